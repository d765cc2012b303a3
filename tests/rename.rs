//! `crate = "…"`: endpoints work when qh is reachable only under another
//! name, and the name `qh` means something else.

extern crate qh as renamed_qh;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

// Shadows the crate: generated code must not name `qh` (or `::qh`) here.
#[allow(dead_code)]
mod qh {}

#[renamed_qh::endpoint(crate = "renamed_qh")]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[renamed_qh::endpoint(crate = "renamed_qh", method = "GET", path = "/users/{id}")]
fn get_user(
    id: u64,
    #[header("X-Tenant")] tenant: String,
    #[query] verbose: Option<bool>,
    request_id: renamed_qh::RequestId,
) -> String {
    format!("{id} {tenant} {verbose:?} {request_id}")
}

#[renamed_qh::endpoint(crate = "renamed_qh", method = "GET")]
fn whoami(#[request_id] id: String) -> String {
    id
}

#[renamed_qh::endpoint(crate = "renamed_qh", task)]
fn square(n: u64) -> u64 {
    n * n
}

#[renamed_qh::endpoint(crate = "renamed_qh", task = "optional")]
async fn double(n: u64) -> Result<u64, String> {
    n.checked_mul(2).ok_or_else(|| "overflow".to_owned())
}

fn app() -> axum::Router {
    renamed_qh::routes![add, get_user, whoami, square, double]
}

async fn body_text(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn renamed_crate_answers_json_body() {
    let request = Request::post("/add")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"a":2,"b":3}"#))
        .unwrap();
    let response = app().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(body_text(response).await, "5");
}

#[tokio::test]
async fn renamed_crate_reads_path_header_query_and_id() {
    let request = Request::get("/users/7?verbose=true")
        .header("x-tenant", "acme")
        .header("x-request-id", "abc-123")
        .body(Body::empty())
        .unwrap();
    let response = app().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-request-id"], "abc-123");
    assert_eq!(body_text(response).await, r#""7 acme Some(true) abc-123""#);
}

#[tokio::test]
async fn renamed_crate_passes_the_tracking_id() {
    let request = Request::get("/whoami")
        .header("x-request-id", "req-9")
        .body(Body::empty())
        .unwrap();
    let response = app().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await, r#""req-9""#);
}

#[tokio::test]
async fn renamed_crate_reports_a_missing_header() {
    let request = Request::get("/users/7").body(Body::empty()).unwrap();
    let response = app().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn renamed_crate_task_endpoints_submit_and_serve_tasks() {
    // One router: its tasks run in its own memory runner.
    let app = app();
    let request = Request::post("/square")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"n":9}"#))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let request = Request::get(format!("{location}/result?wait=true&timeout=30"))
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&body_text(response).await).unwrap();
    assert_eq!(doc["result"], 81);

    // Optional: synchronous unless asked.
    let request = Request::post("/double")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"n":4}"#))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await, "8");
}
