//! qh quickstart: plain functions served as endpoints on a real server, every
//! request tracked by one ID that shows up in the response, the function, its
//! logs and its background work.
//!
//! ```text
//! cargo run --example quickstart          # listens on 127.0.0.1:3000
//! PORT=8080 cargo run --example quickstart
//! ```
//!
//! `GET /openapi.json` is the OpenAPI document of these endpoints and
//! `GET /docs` a page to try them.
//!
//! Ctrl-C or SIGTERM stops it gracefully: requests in flight are answered,
//! then background work gets 10 s to finish.
//!
//! Logs are JSON lines on stdout, filtered by `RUST_LOG` (default `info`);
//! each line logged while handling a request (including from `qh::spawn`ed
//! work) carries the request's `request_id`. Built with
//! `--features opentelemetry`, the request spans are exported over OTLP/HTTP
//! when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::get;
use qh::openapi::utoipa;
use qh::{IdGenerator, RequestId, Tracking};
use serde::Serialize;
use serde_json::{json, Value};

/// Adds two numbers.
///
/// `POST /add` with `{"a": 1, "b": 2}`: unannotated parameters are keys of
/// the JSON body.
///
/// # Examples
///
/// The document's example request (keys are the function's parameters):
///
/// ```json
/// {"a": 1, "b": 2}
/// ```
#[qh::endpoint]
async fn add(a: i64, b: i64) -> i64 {
    tracing::info!(a, b, "adding");
    a.saturating_add(b)
}

/// Greets `name`.
///
/// `GET /hello/{name}`: a path parameter, an optional header, and the
/// request's tracking ID.
#[qh::endpoint(method = "GET", path = "/hello/{name}")]
fn hello(
    name: String,
    #[header("X-Tenant")] tenant: Option<String>,
    request_id: RequestId,
) -> Value {
    tracing::info!(%name, "greeting");
    json!({
        "message": format!("hello, {name}"),
        "tenant": tenant,
        "request_id": request_id,
    })
}

/// A user of the quickstart's tiny directory.
#[derive(Serialize, utoipa::ToSchema)]
struct User {
    id: u64,
    name: String,
}

/// Looks a user up by ID.
///
/// `GET /users/{user_id}`: a typed path parameter and a problem+json error,
/// its status listed for the document with `errors(404)`.
#[qh::endpoint(method = "GET", path = "/users/{user_id}", errors(404))]
fn get_user(user_id: u64) -> Result<User, qh::Error> {
    match user_id {
        1 => Ok(User {
            id: 1,
            name: "Ada".into(),
        }),
        _ => Err(qh::Error::new(
            StatusCode::NOT_FOUND,
            format!("no user {user_id}"),
        )),
    }
}

/// Signs `email` up.
///
/// `POST /signup` with `{"email": "…"}`: answers at once, sends the welcome
/// mail in the background with the same request ID.
#[qh::endpoint]
async fn signup(email: String) -> Value {
    qh::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        tracing::info!(%email, "welcome mail sent");
    });
    json!({"queued": true})
}

/// Writes an `n`-page report, as a background task.
///
/// `POST /report` with `{"n": 3}`: a task endpoint. Answers `202` with the
/// task's ID and `Location: /tasks/{id}` at once; the function runs in the
/// background (its logs carry the submitting request's ID) and its value is
/// read from `GET /tasks/{id}/result`.
#[qh::endpoint(task)]
async fn report(n: u64) -> Value {
    for page in 1..=n {
        tokio::time::sleep(Duration::from_millis(200)).await;
        tracing::info!(page, "report page written");
    }
    json!({"pages": n})
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // JSON lines filtered by RUST_LOG (default `info`); inside a request each
    // carries `request_id`, even under RUST_LOG="warn,quickstart=info".
    #[cfg(not(feature = "opentelemetry"))]
    qh::logs::json().init();
    // Built with `--features opentelemetry`: the same lines, and the request
    // spans exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set
    // (the guard flushes them on exit).
    #[cfg(feature = "opentelemetry")]
    let _otel = qh::otel::init();

    // The app's shutdown: background work and tasks of its requests count
    // toward it.
    let shutdown = qh::background::Shutdown::new();
    let tracking = Tracking::new()
        .generator(IdGenerator::UuidV7)
        .shutdown(&shutdown);
    // The endpoints, and with `; docs` `GET /openapi.json` (every endpoint
    // documented from its signature, the tracking header as the layer
    // below configures it) and `GET /docs`.
    let app = qh::routes![add, hello, get_user, signup, report; docs]
        // `report` is a task endpoint, so the `/tasks` routes come too.
        // Plain axum routes get IDs, context and echo from the layer too.
        .route(
            "/health",
            get(|id: RequestId| async move { format!("ok {id}\n") }),
        )
        .layer(tracking);

    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000u16);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "qh quickstart listening on http://{}",
        listener.local_addr()?
    );
    // On Ctrl-C or SIGTERM the shutdown begins: the server stops accepting
    // connections, and task long-polls answer at once instead of holding
    // the graceful shutdown.
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.signal(shutdown_signal()))
        .await?;
    // Background work and tasks get 10 s to finish; tasks still running
    // then are recorded as cancelled (with the reason) and logged by ID.
    if !shutdown.drain(Duration::from_secs(10)).await {
        tracing::warn!(
            left = shutdown.in_flight(),
            "shut down with background work unfinished"
        );
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` and Kubernetes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            // No handler: Ctrl-C still works.
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}
