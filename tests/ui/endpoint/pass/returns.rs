// Every kind of return value.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(serde::Serialize, utoipa::ToSchema)]
struct User {
    name: String,
}

#[qh::endpoint]
fn result(ok: bool) -> Result<User, StatusCode> {
    if ok {
        Ok(User { name: "ada".into() })
    } else {
        Err(StatusCode::NOT_FOUND)
    }
}

#[qh::endpoint]
fn plain() -> User {
    User { name: "ada".into() }
}

#[qh::endpoint]
fn string() -> String {
    "a JSON string".to_owned()
}

#[qh::endpoint]
fn unit() {}

#[qh::endpoint]
fn explicit_unit() -> () {}

#[qh::endpoint]
fn json() -> Json<User> {
    Json(User { name: "ada".into() })
}

#[qh::endpoint]
fn status_and_text() -> (StatusCode, String) {
    (StatusCode::CREATED, "created".to_owned())
}

#[qh::endpoint]
async fn opaque() -> impl IntoResponse {
    (StatusCode::ACCEPTED, "later")
}

#[qh::endpoint]
fn response() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

#[qh::endpoint]
async fn async_result() -> Result<Vec<u8>, (StatusCode, String)> {
    Ok(vec![1, 2, 3])
}

fn main() {
    let _: axum::Router = qh::routes![
        result,
        plain,
        string,
        unit,
        explicit_unit,
        json,
        status_and_text,
        opaque,
        response,
        async_result,
    ];
}

// axum's own handler result, `axum::response::Result<T>` (its error is
// `ErrorResponse`, which is not `IntoResponse` by itself).
#[qh::endpoint(method = "GET")]
fn axum_result(fail: bool) -> axum::response::Result<String> {
    if fail {
        Err((axum::http::StatusCode::CONFLICT, "taken"))?;
    }
    Ok("ada".to_owned())
}

#[qh::endpoint(method = "GET")]
fn axum_result_html() -> axum::response::Result<axum::response::Html<&'static str>> {
    Ok(axum::response::Html("<p>hi</p>"))
}

fn _axum_results() {
    let _: axum::Router = qh::routes![axum_result, axum_result_html];
}
