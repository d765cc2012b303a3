//! qh on an existing axum `Router`, without the macro: the `Tracking` layer
//! gives every route (and the 404s) an ID, the request's context, a span
//! and the echo; plain handlers read the ID with the `RequestId` extractor
//! or `qh::request_id()`, and `qh::spawn`ed work keeps it.
//!
//! ```text
//! cargo run --example router     # 127.0.0.1:3000 (PORT=… to change)
//! curl -i localhost:3000/orders/7 -H 'X-Request-ID: demo-1'
//! ```

use std::time::Duration;

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// A handler as axum users write them: the ID is one more extractor.
async fn order(Path(id): Path<u64>, request_id: qh::RequestId) -> Json<Value> {
    // Work after the answer keeps the request's ID on its log lines.
    qh::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        tracing::info!(order = id, "order audited");
    });
    Json(json!({ "order": id, "request_id": request_id }))
}

/// Deep below a handler, no parameter needed.
fn current() -> String {
    qh::request_id().map_or_else(|| "none".into(), |id| id.to_string())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    qh::logs::json().init();
    let app = Router::new()
        .route("/orders/{id}", get(order))
        .route("/health", get(|| async { format!("ok {}\n", current()) }))
        .layer(qh::Tracking::new());
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("listening on http://127.0.0.1:{port}");
    axum::serve(listener, app).await
}
