//! Traces (and, with `metrics`, request metrics) exported to an
//! OpenTelemetry collector over OTLP/HTTP, configured by the standard
//! `OTEL_*` variables; log lines carry the exported trace's IDs.
//!
//! ```text
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_SERVICE_NAME=shop \
//!     cargo run --example otel --features opentelemetry
//! curl -i localhost:3000/add -H 'content-type: application/json' -d '{"a": 1, "b": 2}'
//! ```
//!
//! Without `OTEL_EXPORTER_OTLP_ENDPOINT` nothing is exported and the
//! program runs as without the feature. The guide's chapter on traces and
//! metrics (`qh::guide::observability`) sets a collector up.

/// `POST /add`: its span is the exported server span `POST /add`.
#[qh::endpoint]
async fn add(a: i64, b: i64) -> i64 {
    tracing::info!(a, b, "adding"); // carries request_id, trace_id, span_id
    a + b
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // The global subscriber: RUST_LOG (default `info`), qh's JSON lines, and
    // the OpenTelemetry layer when an endpoint is set. Dropping the guard at
    // the end of main sends the last spans.
    let otel = qh::otel::init();
    let tracking = qh::Tracking::new();
    // Built with `metrics` too: the request metrics, to the same collector.
    #[cfg(feature = "metrics")]
    let tracking = tracking.metrics(otel.metrics());
    let app = qh::routes![add].layer(tracking);

    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("listening on http://127.0.0.1:{port}");
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    drop(otel); // flush the last spans before exiting
    served
}
