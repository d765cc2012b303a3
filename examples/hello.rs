//! The smallest qh service: two endpoints, one tracking ID per request.
//! `cargo run --example hello` (127.0.0.1:3000, PORT=… to change), then
//! `curl -i localhost:3000/add -H 'content-type: application/json' -d '{"a":1,"b":2}'`

use axum::http::StatusCode;

/// `POST /add` with the JSON body `{"a": 1, "b": 2}`.
#[qh::endpoint]
async fn add(a: i64, b: i64) -> i64 {
    tracing::info!(a, b, "adding"); // this line carries the request's ID
    a + b
}

/// `GET /users/1`: the request's ID is a parameter like any other.
#[qh::endpoint(method = "GET", path = "/users/{user_id}")]
fn get_user(user_id: u64, request_id: qh::RequestId) -> Result<String, qh::Error> {
    match user_id {
        1 => Ok(format!("ada (request {request_id})")),
        _ => Err(qh::Error::new(StatusCode::NOT_FOUND, "no such user")),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    qh::logs::json().init(); // JSON lines on stdout, each carrying `request_id`
    let app = qh::routes![add, get_user].layer(qh::Tracking::new());
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    axum::serve(listener, app).await
}
