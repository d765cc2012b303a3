//! The parameter forms of issue 7, through the real router: query
//! parameters on bodyless methods, repeated keys, a whole-query struct,
//! defaults, raw identifiers, `#[cfg]` parameters and axum's `Path`.

mod common;

use axum::extract::Path;
use common::{get, get_with, post_json, send};
use serde::Deserialize;
use serde_json::json;

#[qh::endpoint(method = "GET", path = "/hello")]
fn hello(name: String, times: Option<u8>) -> String {
    name.repeat(usize::from(times.unwrap_or(1)))
}

#[qh::endpoint(method = "DELETE", path = "/items")]
fn remove(id: u64) -> u64 {
    id
}

#[qh::endpoint(method = "GET", path = "/tags")]
fn tags(#[query] tag: Vec<String>, #[query] n: Vec<u32>) -> serde_json::Value {
    json!({"tag": tag, "n": n})
}

type Tags = Vec<String>;

/// Collections by their real type: an alias, an `Option`, a set.
#[qh::endpoint(method = "GET", path = "/collections")]
fn collections(
    #[query] tag: Tags,
    #[query] maybe: Option<Vec<u32>>,
    #[query] set: std::collections::BTreeSet<String>,
    #[query] one: Option<String>,
) -> serde_json::Value {
    json!({"tag": tag, "maybe": maybe, "set": set, "one": one})
}

#[derive(Deserialize, utoipa::ToSchema)]
struct Filter {
    q: String,
    limit: Option<u32>,
    #[serde(default)]
    tag: Vec<String>,
}

#[qh::endpoint(method = "GET", path = "/search")]
fn search(#[query(flatten)] filter: Filter, request_id: qh::RequestId) -> serde_json::Value {
    json!({"q": filter.q, "limit": filter.limit, "tag": filter.tag, "id": request_id.as_str()})
}

#[qh::endpoint(method = "GET", path = "/page")]
fn page(
    #[query(default = 20)] limit: u32,
    #[default(0)] offset: u32,
    #[header("X-Scale", default = 1)] scale: u32,
) -> serde_json::Value {
    json!({"limit": limit * scale, "offset": offset})
}

#[qh::endpoint]
fn order(item: String, #[default(1)] qty: u32) -> serde_json::Value {
    json!({"item": item, "qty": qty})
}

#[qh::endpoint(method = "GET", path = "/kinds/{type}")]
fn kind(r#type: String) -> String {
    r#type
}

#[qh::endpoint]
fn sum(a: i64, #[cfg(not(test))] never: String, #[cfg(test)] b: i64) -> i64 {
    a + b
}

/// The ID's header is chosen only by a parameter the configuration keeps.
#[qh::endpoint(method = "GET", path = "/ids")]
fn ids(
    #[cfg(not(test))]
    #[header("X-Corr")]
    request_id: String,
) -> Option<String> {
    qh::request_id().map(|id| id.to_string())
}

/// axum's handler result: `Ok` as JSON, `Err` as the `ErrorResponse` says.
#[allow(clippy::result_large_err)] // axum's own type
#[qh::endpoint(method = "GET", path = "/claim")]
fn claim(taken: bool) -> axum::response::Result<String> {
    if taken {
        Err((axum::http::StatusCode::CONFLICT, "taken"))?;
    }
    Ok("yours".to_owned())
}

#[qh::endpoint(method = "GET", path = "/users/{id}")]
fn user(#[extract] Path(id): Path<u64>) -> u64 {
    id
}

fn app() -> axum::Router {
    qh::routes![
        hello,
        remove,
        tags,
        collections,
        search,
        page,
        order,
        kind,
        sum,
        ids,
        claim,
        user
    ]
}

#[tokio::test]
async fn bodyless_methods_read_unannotated_parameters_from_the_query() {
    let app = app();
    let a = send(&app, get("/hello?name=ab&times=3")).await;
    assert_eq!((a.status.as_u16(), a.json()), (200, json!("ababab")));
    let a = send(&app, get("/hello")).await;
    assert_eq!(a.status.as_u16(), 400);
    assert_eq!(a.json()["query"], "name");
    let req = axum::http::Request::delete("/items?id=7")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(send(&app, req).await.json(), json!(7));
}

#[tokio::test]
async fn collections_collect_repeated_keys_by_their_real_type() {
    let app = app();
    let a = send(
        &app,
        get("/collections?tag=a&set=y&maybe=2&tag=b&set=x&maybe=1&set=y"),
    )
    .await;
    assert_eq!(
        a.json(),
        json!({"tag": ["a", "b"], "maybe": [2, 1], "set": ["x", "y"], "one": null})
    );
    let a = send(&app, get("/collections")).await;
    assert_eq!(
        a.json(),
        json!({"tag": [], "maybe": null, "set": [], "one": null})
    );
    // One value, sent twice: refused, naming it.
    let a = send(&app, get("/collections?one=a&one=b")).await;
    assert_eq!(a.status.as_u16(), 400);
    assert_eq!(a.json()["query"], "one");
}

#[tokio::test]
async fn vec_query_parameters_collect_repeated_keys() {
    let app = app();
    let a = send(&app, get("/tags?tag=a&n=1&tag=b%20c&n=2")).await;
    assert_eq!(a.json(), json!({"tag": ["a", "b c"], "n": [1, 2]}));
    let a = send(&app, get("/tags")).await;
    assert_eq!(a.json(), json!({"tag": [], "n": []}));
    let a = send(&app, get("/tags?n=1&n=x")).await;
    assert_eq!(a.status.as_u16(), 400);
    assert_eq!(a.content_type(), "application/problem+json");
    assert_eq!(a.json()["query"], "n");
}

#[tokio::test]
async fn a_flatten_struct_reads_the_whole_query_with_problem_errors() {
    let app = app();
    let a = send(&app, get("/search?q=rust&limit=5&tag=x&tag=y&other=1")).await;
    let body = a.json();
    assert_eq!(
        (&body["q"], &body["limit"], &body["tag"]),
        (&json!("rust"), &json!(5), &json!(["x", "y"]))
    );
    let a = send(
        &app,
        get_with("/search?limit=5", &[("x-request-id", "req-1")]),
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.content_type()),
        (400, "application/problem+json")
    );
    let problem = a.json();
    assert_eq!(problem["detail"], "invalid query string: missing field `q`");
    assert_eq!(problem["request_id"], "req-1");
    let a = send(&app, get("/search?q=a&limit=lots")).await;
    assert_eq!(a.status.as_u16(), 400);
    assert!(
        a.json()["detail"]
            .as_str()
            .unwrap()
            .contains("non-negative 32-bit integer"),
        "{}",
        a.text()
    );
    let a = send(&app, get("/search?q=a&q=b")).await;
    assert_eq!(
        a.json()["detail"],
        "invalid query string: `q` appears more than once"
    );
}

#[tokio::test]
async fn defaults_fill_absent_query_header_and_body_values() {
    let app = app();
    let a = send(&app, get("/page")).await;
    assert_eq!(a.json(), json!({"limit": 20, "offset": 0}));
    let a = send(
        &app,
        get_with("/page?limit=3&offset=9", &[("x-scale", "2")]),
    )
    .await;
    assert_eq!(a.json(), json!({"limit": 6, "offset": 9}));
    // A present but unreadable value is still an error, not the default.
    let a = send(&app, get("/page?limit=x")).await;
    assert_eq!(
        (a.status.as_u16(), &a.json()["query"]),
        (400, &json!("limit"))
    );
    let a = send(&app, get_with("/page", &[("x-scale", "big")])).await;
    assert_eq!(
        (a.status.as_u16(), &a.json()["header"]),
        (400, &json!("x-scale"))
    );
    let a = send(&app, post_json("/order", r#"{"item":"tea"}"#)).await;
    assert_eq!(a.json(), json!({"item": "tea", "qty": 1}));
    let a = send(&app, post_json("/order", r#"{"item":"tea","qty":4}"#)).await;
    assert_eq!(a.json(), json!({"item": "tea", "qty": 4}));
}

#[tokio::test]
async fn raw_identifiers_cfg_parameters_and_axum_path() {
    let app = app();
    assert_eq!(send(&app, get("/kinds/tea")).await.json(), json!("tea"));
    let a = send(&app, post_json("/sum", r#"{"a":2,"b":3}"#)).await;
    assert_eq!(a.json(), json!(5));
    assert_eq!(send(&app, get("/users/42")).await.json(), json!(42));

    // The `X-Corr` parameter is configured away: the ID comes from
    // `X-Request-ID`, and is echoed there.
    let res = send(
        &app,
        get_with("/ids", &[("x-corr", "corr-1"), ("x-request-id", "rid-1")]),
    )
    .await;
    assert_eq!(res.json(), json!("rid-1"));
    assert_eq!(res.echoed(), "rid-1");
    assert!(!res.headers.contains_key("x-corr"));
}

#[tokio::test]
async fn axum_response_result_answers_ok_as_json_and_err_as_it_says() {
    let app = app();
    let res = send(&app, get("/claim?taken=false")).await;
    assert_eq!((res.status.as_u16(), res.json()), (200, json!("yours")));
    assert_eq!(res.content_type(), "application/json");
    let res = send(&app, get("/claim?taken=true")).await;
    assert_eq!((res.status.as_u16(), res.text()), (409, "taken"));
}

/// What `qh::routes!` rejects at compile time as "differently named
/// placeholders" is what axum itself would refuse when the router is built.
#[test]
fn axum_refuses_renamed_placeholders() {
    use axum::routing::{delete, get};
    let built = std::panic::catch_unwind(|| {
        axum::Router::<()>::new()
            .route("/users/{id}", get(|| async {}))
            .route("/users/{user_id}", delete(|| async {}))
    });
    assert!(built.is_err());
}

/// What `qh::routes!` rejects as "a parameter and a catch-all at the same
/// place": axum refuses it too, whatever follows and whatever the methods.
#[test]
fn axum_refuses_a_parameter_beside_a_catch_all() {
    use axum::routing::{get, post};
    for (a, b) in [("/f/{x}", "/f/{*rest}"), ("/f/{x}/y", "/f/{*x}")] {
        let built = std::panic::catch_unwind(|| {
            axum::Router::<()>::new()
                .route(a, get(|| async {}))
                .route(b, post(|| async {}))
        });
        assert!(built.is_err(), "{a} + {b}");
    }
    // A literal segment beside a catch-all is fine.
    let _: axum::Router = axum::Router::<()>::new()
        .route("/f/a", get(|| async {}))
        .route("/f/{*rest}", get(|| async {}));
}
