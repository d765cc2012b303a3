//! The answers to bad requests through the real router: problem+json with the
//! request's ID for malformed, missing and mistyped input, panics and an
//! oversized body.

use super::*;

/// A problem (the shape `common::assert_problem` checks) of qh's `kind`.
fn assert_problem(res: &common::Answer, status: StatusCode, kind: &str) -> serde_json::Value {
    let problem = common::assert_problem(res, status);
    assert_eq!(problem["type"], format!("urn:qh:problem:{kind}"));
    assert_eq!(problem["status"], status.as_u16());
    problem
}

#[tokio::test]
async fn malformed_json_is_400() {
    let res = send(&app(), post_json("/add", r#"{"a": 1, "b": "#)).await;
    assert_problem(&res, StatusCode::BAD_REQUEST, "malformed-json");
    let res = send(&app(), post_json("/add", r#"{"a": 1, "b": 2} trailing"#)).await;
    assert_problem(&res, StatusCode::BAD_REQUEST, "malformed-json");
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_422_naming_the_field() {
    let res = send(&app(), post_json("/add", r#"{"a": 1}"#)).await;
    let p = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "missing-field");
    assert_eq!(p["field"], "b");

    let res = send(&app(), post_json("/add", r#"{"a": 1, "b": "two"}"#)).await;
    let p = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "invalid-field");
    assert_eq!(p["field"], "b");
    assert!(
        p["detail"].as_str().unwrap().contains("invalid type"),
        "{p}"
    );

    let res = send(&app(), post_json("/add", r#"{"a": 1, "b": 2, "a": 3}"#)).await;
    let p = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "duplicate-field");
    assert_eq!(p["field"], "a");

    let res = send(&app(), post_json("/add", "[1, 2]")).await;
    assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "invalid-body");
}

#[tokio::test]
async fn non_json_content_type_is_415() {
    let req = Request::post("/add")
        .header("content-type", "text/plain")
        .body(Body::from("a=1"))
        .unwrap();
    assert_problem(
        &send(&app(), req).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    );
    let req = Request::post("/add")
        .body(Body::from(r#"{"a":1,"b":2}"#))
        .unwrap();
    assert_problem(
        &send(&app(), req).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    );
    let req = Request::post("/add")
        .header("content-type", "application/vnd.api+json; charset=utf-8")
        .body(Body::from(r#"{"a":1,"b":2}"#))
        .unwrap();
    assert_eq!(send(&app(), req).await.json(), json!(3));
}

#[tokio::test]
async fn missing_or_unparsable_header_is_400_naming_it() {
    let res = send(&app(), get("/users/1")).await;
    let p = assert_problem(&res, StatusCode::BAD_REQUEST, "missing-header");
    assert_eq!(p["header"], "x-tenant");

    let req = get_with("/count?n=1", &[("x-scale", "lots")]);
    let p = assert_problem(
        &send(&app(), req).await,
        StatusCode::BAD_REQUEST,
        "invalid-header",
    );
    assert_eq!(p["header"], "x-scale");
    assert!(
        !p["detail"].as_str().unwrap().contains("lots"),
        "values are not echoed"
    );

    // Two lines: which one is meant is a guess, so neither is taken.
    let req = get_with("/users/1", &[("x-tenant", "a"), ("x-tenant", "b")]);
    let p = assert_problem(
        &send(&app(), req).await,
        StatusCode::BAD_REQUEST,
        "invalid-header",
    );
    assert_eq!(p["header"], "x-tenant");
    assert_eq!(
        p["detail"],
        "invalid header `x-tenant`: it appears more than once"
    );
}

#[tokio::test]
async fn bad_query_and_path_values_are_400_naming_them() {
    let res = send(&app(), get("/count?n=300")).await;
    let p = assert_problem(&res, StatusCode::BAD_REQUEST, "invalid-query");
    assert_eq!(p["query"], "n");
    let res = send(&app(), get("/count")).await;
    let p = assert_problem(&res, StatusCode::BAD_REQUEST, "missing-query");
    assert_eq!(p["query"], "n");

    let req = get_with("/users/abc", &[("x-tenant", "t")]);
    let p = assert_problem(
        &send(&app(), req).await,
        StatusCode::BAD_REQUEST,
        "invalid-path",
    );
    assert_eq!(p["path"], "user_id");
}

#[tokio::test]
async fn panics_answer_500_and_the_server_keeps_serving() {
    let app = app();
    let res = send(&app, post_json("/boom_async", r#"{"x": 1}"#)).await;
    let p = assert_problem(&res, StatusCode::INTERNAL_SERVER_ERROR, "panic");
    assert!(
        !p["detail"].as_str().unwrap().contains("x was"),
        "panic messages stay in the logs"
    );
    let res = send(&app, get("/boom_sync")).await;
    assert_problem(&res, StatusCode::INTERNAL_SERVER_ERROR, "panic");
    let res = send(&app, post_json("/boom_async", r#"{"x": -1}"#)).await;
    assert_eq!(res.json(), json!(-1));
}

/// The two ways a synchronous endpoint runs without an async block of its
/// own, a wait for its JSON body only (`run_body`) and an inline answer
/// (`run_sync`), answer a panic as a problem with the request's ID, under
/// the `Tracking` layer's scope and under the endpoint's own.
#[tokio::test]
async fn panics_of_sync_endpoints_answer_500_with_the_id() {
    for app in [app(), app().layer(qh::Tracking::new())] {
        for req in [post_json("/boom_body", r#"{"x": 1}"#), get("/x/0")] {
            let res = send(&app, req).await;
            assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(res.content_type(), "application/problem+json");
            let p = assert_problem(&res, StatusCode::INTERNAL_SERVER_ERROR, "panic");
            assert_eq!(p["type"], "urn:qh:problem:panic");
            assert_eq!(p["request_id"], res.echoed());
            assert!(
                !p["detail"].as_str().unwrap().contains(" was "),
                "panic messages stay in the logs"
            );
        }
        let res = send(&app, post_json("/boom_body", r#"{"x": -1}"#)).await;
        assert_eq!(res.json(), json!(-1));
        assert_eq!(send(&app, get("/x/3")).await.json(), json!(3));
    }
}

#[tokio::test]
async fn body_limit_is_honoured() {
    let app = app().layer(axum::extract::DefaultBodyLimit::max(16));
    let res = send(
        &app,
        post_json("/add", r#"{"a": 1, "b": 2, "padding": "xxxxxxxxxxxxxxx"}"#),
    )
    .await;
    assert_problem(&res, StatusCode::PAYLOAD_TOO_LARGE, "body-read");
}

#[tokio::test]
async fn a_limit_set_before_the_endpoint_is_413_too() {
    use axum::RequestExt;

    // A middleware limits the body (as tower-http's `RequestBodyLimit`
    // does), and the endpoint's read limits it again: the error comes up
    // through both bodies.
    let limit_early = axum::middleware::map_request(|req: axum::extract::Request| async move {
        req.with_limited_body()
    });
    let app = app()
        .layer(limit_early)
        .layer(axum::extract::DefaultBodyLimit::max(16));
    let res = send(
        &app,
        post_json("/add", r#"{"a": 1, "b": 2, "padding": "xxxxxxxxxxxxxxx"}"#),
    )
    .await;
    let p = assert_problem(&res, StatusCode::PAYLOAD_TOO_LARGE, "body-read");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("length limit exceeded"),
        "{p}"
    );
}
