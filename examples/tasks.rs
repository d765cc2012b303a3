//! Task endpoints and background jobs on a real server, with a hand-written
//! submitting handler (what `#[qh::endpoint(task)]` generates).
//!
//! ```text
//! cargo run --example tasks               # listens on 127.0.0.1:3001
//! curl -si -X POST 127.0.0.1:3001/slow_square -d '{"x": 7}' -H 'content-type: application/json'
//! curl -s 127.0.0.1:3001/tasks/<task_id>/result?wait=true
//! ```

use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use qh::background::Shutdown;
use qh::tasks::{CallerTasks, Runner};
use qh::BackgroundTasks;
use serde::Deserialize;

#[derive(Deserialize)]
struct Square {
    x: i64,
}

/// The function run as a task: its logs carry the submitting request's ID.
async fn slow_square(x: i64) -> Result<i64, String> {
    tracing::info!(x, "squaring slowly");
    tokio::time::sleep(Duration::from_secs(2)).await;
    x.checked_mul(x).ok_or_else(|| format!("{x}² overflows"))
}

/// Answers 202 + `Location` at once; the work goes on in the background.
/// A body axum's `Json` refuses answers a problem, as endpoints do (with
/// a fixed detail: serde's message would repeat the client's input).
async fn submit_square(tasks: CallerTasks, body: Result<Json<Square>, JsonRejection>) -> Response {
    let body = match body {
        Ok(Json(body)) => body,
        Err(rejection) => {
            let detail = r#"the body must be a JSON object like {"x": 7}"#;
            return qh::Error::new(rejection.status(), detail).into_response();
        }
    };
    match tasks.submit("slow_square", slow_square(body.x)).await {
        Ok(submitted) => submitted.into_response(),
        // 503 problem+json with a generic detail (the store's error goes to
        // the log, never to the client).
        Err(e) => e.into_response(),
    }
}

/// Answers at once; the audit line is written after the response was sent.
async fn signup(jobs: BackgroundTasks) -> &'static str {
    jobs.add(async {
        tracing::info!("audit: signup recorded");
    });
    "welcome"
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // JSON lines (RUST_LOG, default info), each inside a request or a task
    // carrying its request's ID.
    qh::logs::json().init();
    // This app's shutdown: its requests' jobs and tasks count toward it.
    let shutdown = Shutdown::new();
    let app = Router::new()
        .route("/slow_square", post(submit_square))
        .route("/signup", post(signup))
        .merge(qh::tasks::router())
        .layer(axum::Extension(
            Runner::builder().expose_errors(true).build(),
        ))
        .layer(qh::Tracking::new().shutdown(&shutdown));
    let port = std::env::var("PORT").unwrap_or_else(|_| "3001".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.signal(tokio::signal::ctrl_c()))
        .await?;
    // Stopped accepting requests: give running work up to 10 s.
    if !shutdown.drain(Duration::from_secs(10)).await {
        tracing::warn!(left = shutdown.in_flight(), "background work abandoned");
    }
    Ok(())
}
