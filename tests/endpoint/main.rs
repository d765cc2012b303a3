//! `#[qh::endpoint]` conventions, through the real router: parameter
//! sources, defaults and return values here; the answers to bad requests in
//! `errors.rs`.

mod body_frames;
#[path = "../common/mod.rs"]
mod common;
mod errors;

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::Json;
use common::{get, get_with, post_json, post_json_with, send};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[qh::endpoint]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[qh::endpoint]
fn greet(name: String, greeting: Option<String>) -> String {
    format!("{}, {name}", greeting.as_deref().unwrap_or("hello"))
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
struct Order {
    item: String,
    qty: u32,
}

#[qh::endpoint(path = "/orders")]
fn create_order(#[body] order: Order) -> Order {
    Order {
        item: order.item.to_uppercase(),
        qty: order.qty * 2,
    }
}

#[qh::endpoint(method = "GET", path = "/users/{user_id}")]
fn get_user(
    user_id: u64,
    #[header("X-Tenant")] tenant: String,
    #[query] verbose: Option<bool>,
) -> serde_json::Value {
    json!({"user_id": user_id, "tenant": tenant, "verbose": verbose})
}

#[qh::endpoint(method = "GET", path = "/files/{*rest}")]
fn file(rest: String) -> String {
    rest
}

#[qh::endpoint(method = "get", path = "/count")]
fn count(#[query] n: u8, #[header] x_scale: Option<u8>) -> u32 {
    u32::from(n) * u32::from(x_scale.unwrap_or(1))
}

#[qh::endpoint(method = "DELETE", path = "/count")]
fn reset_count() -> &'static str {
    "reset"
}

#[derive(Clone)]
struct AppState {
    base: i64,
}

#[qh::endpoint]
async fn offset(#[extract] State(state): State<AppState>, x: i64) -> i64 {
    state.base + x
}

#[qh::endpoint]
fn divide(a: i64, b: i64) -> Result<i64, qh::Error> {
    if b == 0 {
        return Err(qh::Error::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "`b` must not be zero",
        ));
    }
    Ok(a / b)
}

#[qh::endpoint(method = "GET")]
fn html() -> Html<&'static str> {
    Html("<p>hi</p>")
}

#[qh::endpoint(method = "GET")]
fn created() -> (StatusCode, Json<serde_json::Value>) {
    (StatusCode::CREATED, Json(json!({"ok": true})))
}

#[qh::endpoint(method = "GET")]
async fn opaque() -> impl IntoResponse {
    (StatusCode::ACCEPTED, "plain text")
}

#[qh::endpoint(method = "GET")]
fn nothing() {}

#[qh::endpoint]
fn teapot() -> Result<String, (StatusCode, String)> {
    Err((StatusCode::IM_A_TEAPOT, "short and stout".into()))
}

/// `Ok` of a `Result` is JSON when `Serialize` (a `String` too), passed
/// through when only `IntoResponse`.
#[qh::endpoint(method = "GET")]
fn named(fail: bool) -> Result<String, qh::Error> {
    if fail {
        Err(qh::Error::new(StatusCode::CONFLICT, "taken"))
    } else {
        Ok("ada".to_owned())
    }
}

#[qh::endpoint(method = "GET")]
fn made(fail: bool) -> Result<(StatusCode, Html<&'static str>), (StatusCode, &'static str)> {
    if fail {
        Err((StatusCode::GONE, "gone"))
    } else {
        Ok((StatusCode::CREATED, Html("<p>made</p>")))
    }
}

#[qh::endpoint]
async fn boom_async(x: i64) -> i64 {
    tokio::task::yield_now().await;
    assert!(x < 0, "x was {x}");
    x
}

#[qh::endpoint(method = "GET")]
fn boom_sync() -> i64 {
    panic!("sync endpoint failed")
}

/// Synchronous with body fields: its only wait is the body (`run_body`).
#[qh::endpoint]
fn boom_body(x: i64) -> i64 {
    assert!(x < 0, "x was {x}");
    x
}

/// Synchronous with a path parameter: answered inline (`run_sync`).
#[qh::endpoint(method = "GET", path = "/x/{id}")]
fn boom_path(id: u32) -> u32 {
    assert!(id > 0, "id was {id}");
    id
}

mod api {
    pub mod orders {
        #[qh::endpoint(method = "PUT", path = "/api/orders/{id}")]
        pub fn update(id: u32, qty: u32) -> (u32, u32) {
            (id, qty)
        }
    }
}

fn app() -> axum::Router {
    qh::routes![
        add,
        greet,
        create_order,
        get_user,
        file,
        count,
        reset_count,
        divide,
        html,
        created,
        opaque,
        nothing,
        teapot,
        named,
        made,
        boom_async,
        boom_sync,
        boom_body,
        boom_path,
        api::orders::update,
    ]
}

#[test]
fn functions_stay_callable() {
    assert_eq!(greet("ann".into(), None), "hello, ann");
    assert_eq!(get_user(1, "t".into(), None)["tenant"], "t");
    assert_eq!(api::orders::update(1, 2), (1, 2));
}

#[tokio::test]
async fn json_body_keys_become_parameters() {
    let res = send(&app(), post_json("/add", r#"{"a": 40, "b": 2}"#)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.content_type(), "application/json");
    assert_eq!(res.json(), json!(42));
}

#[tokio::test]
async fn unknown_keys_are_ignored_and_options_may_be_absent() {
    let res = send(
        &app(),
        post_json("/greet", r#"{"name": "ann", "extra": [1, {"x": 2}]}"#),
    )
    .await;
    assert_eq!(res.json(), json!("hello, ann"));
    let res = send(
        &app(),
        post_json("/greet", r#"{"name": "bo", "greeting": null}"#),
    )
    .await;
    assert_eq!(res.json(), json!("hello, bo"));
    let res = send(
        &app(),
        post_json("/greet", r#"{"greeting": "hi", "name": "cy"}"#),
    )
    .await;
    assert_eq!(res.json(), json!("hi, cy"));
}

#[tokio::test]
async fn whole_body_parameter() {
    let res = send(&app(), post_json("/orders", r#"{"item": "tea", "qty": 3}"#)).await;
    assert_eq!(res.json(), json!({"item": "TEA", "qty": 6}));
    let res = send(&app(), post_json("/orders", r#"{"item": "tea"}"#)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn path_header_and_query() {
    let req = get_with("/users/42?verbose=true", &[("x-tenant", "acme")]);
    let res = send(&app(), req).await;
    assert_eq!(
        res.json(),
        json!({"user_id": 42, "tenant": "acme", "verbose": true})
    );

    let req = get_with("/users/42", &[("x-tenant", "acme")]);
    assert_eq!(send(&app(), req).await.json()["verbose"], json!(null));

    let res = send(&app(), get("/files/a/b/c.txt")).await;
    assert_eq!(res.json(), json!("a/b/c.txt"));

    let req = get_with("/count?n=7", &[("x-scale", "3")]);
    assert_eq!(send(&app(), req).await.json(), json!(21));
}

#[tokio::test]
async fn nested_module_paths_mount() {
    let req = Request::put("/api/orders/9")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"qty": 4}"#))
        .unwrap();
    assert_eq!(send(&app(), req).await.json(), json!([9, 4]));
}

#[tokio::test]
async fn state_passes_through_extract() {
    let app = qh::routes![offset].with_state(AppState { base: 100 });
    let res = send(&app, post_json("/offset", r#"{"x": 5}"#)).await;
    assert_eq!(res.json(), json!(105));
}

#[tokio::test]
async fn return_values_in_design_order() {
    let res = send(&app(), post_json("/divide", r#"{"a": 9, "b": 3}"#)).await;
    assert_eq!((res.status, res.json()), (StatusCode::OK, json!(3)));
    let res = send(&app(), post_json("/divide", r#"{"a": 9, "b": 0}"#)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["detail"], "`b` must not be zero");

    let res = send(&app(), get("/html")).await;
    assert!(res.content_type().starts_with("text/html"));
    assert_eq!(res.body, b"<p>hi</p>");

    let res = send(&app(), get("/created")).await;
    assert_eq!(
        (res.status, res.json()),
        (StatusCode::CREATED, json!({"ok": true}))
    );

    let res = send(&app(), get("/opaque")).await;
    assert_eq!(
        (res.status, &res.body[..]),
        (StatusCode::ACCEPTED, &b"plain text"[..])
    );

    let res = send(&app(), get("/nothing")).await;
    assert_eq!((res.status, res.json()), (StatusCode::OK, json!(null)));

    let res = send(&app(), post_json("/teapot", "{}")).await;
    assert_eq!(
        (res.status, &res.body[..]),
        (StatusCode::IM_A_TEAPOT, &b"short and stout"[..])
    );

    let res = send(&app(), get("/named?fail=false")).await;
    assert_eq!((res.status, res.json()), (StatusCode::OK, json!("ada")));
    assert_eq!(res.content_type(), "application/json");
    let res = send(&app(), get("/named?fail=true")).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.content_type(), "application/problem+json");
    let doc = res.json();
    assert_eq!(doc["detail"], "taken");
    // The README's `qh::Error::new`: a problem of no particular type.
    assert_eq!(doc["type"], "about:blank");
    assert_eq!(doc["title"], "Conflict");
    assert_eq!(doc["status"], 409);

    let res = send(&app(), get("/made?fail=false")).await;
    assert_eq!(
        (res.status, &res.body[..]),
        (StatusCode::CREATED, &b"<p>made</p>"[..])
    );
    assert!(res.content_type().starts_with("text/html"));
    let res = send(&app(), get("/made?fail=true")).await;
    assert_eq!(
        (res.status, &res.body[..]),
        (StatusCode::GONE, &b"gone"[..])
    );
}

#[tokio::test]
async fn endpoints_without_body_parameters_ignore_the_body() {
    let req = Request::get("/nothing")
        .header("content-type", "text/plain")
        .body(Body::from("junk"))
        .unwrap();
    assert_eq!(send(&app(), req).await.status, StatusCode::OK);
}

#[tokio::test]
async fn no_body_at_all_counts_as_an_empty_object() {
    let req = Request::post("/greet").body(Body::empty()).unwrap();
    let res = send(&app(), req).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["field"], "name");
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let res = send(&app(), get("/add")).await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers["allow"], "POST");
    assert_eq!(res.content_type(), "application/problem+json");
    assert_eq!(res.json()["request_id"], res.echoed());

    let res = send(
        &app(),
        Request::patch("/count").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers["allow"], "GET,HEAD,DELETE");
    let res = send(
        &app(),
        Request::delete("/count").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(res.json(), json!("reset"));
}
