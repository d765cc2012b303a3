//! One app instance, run in a process of its own (this test binary run
//! again, see `fleet.rs`), for the tests that kill one (`kill -9`) or
//! deploy over one (SIGTERM) while it runs tasks: a task endpoint, a runner
//! on a shared `RedisTaskStore` with the endpoint registered, and the app's
//! `Shutdown`. It serves on a free 127.0.0.1 port and prints
//! `listening <port>` on stdout; it logs JSON lines to stderr; on SIGTERM
//! it stops accepting requests, drains for `QH_DRAIN_MS` and returns.
//! Configured from the environment: `QH_REDIS_URL`, `QH_PREFIX`,
//! `QH_LEASE_MS`, `QH_DRAIN_MS`, `QH_NAME`.

use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

use axum::Extension;
use qh::background::Shutdown;
use qh::tasks::{RedisOptions, RedisTaskStore, Runner};
use serde_json::{json, Value};

static NAME: OnceLock<String> = OnceLock::new();

/// Sleeps `ms`, then says which instance finished it, and with which
/// request ID and trace: the submitting request's, on whichever instance
/// runs it.
#[qh::endpoint(task)]
async fn work(ms: u64, tag: String) -> Value {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    json!({
        "tag": tag,
        "by": NAME.get().map_or("?", String::as_str),
        "request_id": qh::request_id().map(|id| id.to_string()),
        "trace_id": qh::trace_context::TraceContext::current().map(|t| t.trace_id().to_string()),
    })
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

fn millis(name: &str) -> Duration {
    Duration::from_millis(env(name).parse().unwrap_or_else(|_| panic!("{name}: ms")))
}

/// Serves until SIGTERM, then drains.
pub async fn serve() {
    NAME.set(env("QH_NAME")).expect("set once");
    qh::logs::json()
        .filter("info")
        .writer(std::io::stderr)
        .init();
    let options = RedisOptions::default()
        .prefix(env("QH_PREFIX"))
        .lease(millis("QH_LEASE_MS"));
    let store = RedisTaskStore::connect_with(&env("QH_REDIS_URL"), options)
        .await
        .expect("redis reachable");
    let shutdown = Shutdown::new();
    let runner = Runner::builder()
        .store(store)
        .listing(true)
        .endpoint::<work>()
        .shutdown(&shutdown)
        .build();
    let app = qh::routes![work]
        .layer(Extension(runner))
        .layer(qh::Tracking::new().shutdown(&shutdown));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let port = listener.local_addr().expect("bound").port();
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening {port}").expect("stdout");
    stdout.flush().expect("stdout");
    let terminate = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        term.recv().await;
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.signal(terminate))
        .await
        .expect("served");
    let drained = shutdown.drain(millis("QH_DRAIN_MS")).await;
    tracing::info!(drained, left = shutdown.in_flight(), "instance stopped");
}
