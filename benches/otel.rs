//! The per-request cost of exporting the request span through
//! OpenTelemetry, against the same app with no subscriber and with a bare
//! `tracing` registry. Every request carries a sampled `traceparent`; the
//! app is a plain route under `qh::Tracking` with a middleware that opens
//! the request span the way the request layer will (`qh::otel::server_span`,
//! `set_remote_parent`, `record_status`).
//!
//! ```text
//! cargo bench -p qh-bench --features opentelemetry --bench otel
//! QH_COUNT=otel_batch QH_COUNT_N=20000 valgrind --tool=callgrind target/release/deps/otel-*
//! ```
//!
//! Variants: `none` (no subscriber: spans disabled), `registry` (spans
//! recorded by a bare registry, no OpenTelemetry), `otel_simple` (the layer,
//! each span exported inline to a no-op exporter), `otel_batch` (the layer
//! with the batch processor the OTLP set-up uses, to a no-op exporter),
//! `otel_unsampled` (the layer with an always-off sampler).

use std::hint::black_box;

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{Html, Response};
use axum::routing::get;
use axum::Router;
use opentelemetry_sdk::testing::trace::NoopSpanExporter;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tower::ServiceExt;
use tracing::Instrument;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

const VARIANTS: &[&str] = &[
    "none",
    "registry",
    "otel_simple",
    "otel_batch",
    "otel_unsampled",
];

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

async fn hello() -> Html<&'static str> {
    Html("hello")
}

async fn request_span(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let id = qh::request_id()
        .map(|id| id.to_string())
        .unwrap_or_default();
    let span = qh::otel::server_span(req.method().as_str(), route, &id);
    if req.headers().get("traceparent").map(HeaderValue::as_bytes) == Some(TRACEPARENT.as_bytes()) {
        // The parse is not what is measured: the bench sends one fixed value.
        let trace = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736_u128.to_be_bytes();
        let parent = 0x00f0_67aa_0ba9_02b7_u64.to_be_bytes();
        qh::otel::set_remote_parent(&span, trace, parent, true, None);
    }
    let res = next.run(req).instrument(span.clone()).await;
    qh::otel::record_status(&span, res.status().as_u16());
    res
}

fn app() -> Router {
    Router::new()
        .route("/users/{id}", get(hello))
        .route_layer(middleware::from_fn(request_span))
        .layer(qh::Tracking::new())
}

/// The subscriber of a variant; `None` for no subscriber at all.
fn subscriber(variant: &str) -> Option<tracing::Dispatch> {
    let provider = match variant {
        "none" => return None,
        "registry" => return Some(tracing_subscriber::registry().into()),
        "otel_simple" => SdkTracerProvider::builder()
            .with_simple_exporter(NoopSpanExporter::new())
            .build(),
        "otel_batch" => SdkTracerProvider::builder()
            .with_batch_exporter(NoopSpanExporter::new())
            .build(),
        "otel_unsampled" => SdkTracerProvider::builder()
            .with_sampler(Sampler::AlwaysOff)
            .with_simple_exporter(NoopSpanExporter::new())
            .build(),
        other => panic!("unknown variant {other}; one of {VARIANTS:?}"),
    };
    // qh::Tracking's own span is left out: the request layer will open
    // only the server span once this is wired in.
    let layer = qh::otel::layer(&provider)
        .with_filter(filter_fn(|meta| meta.target() != "qh_runtime::layer"));
    Some(tracing_subscriber::registry().with(layer).into())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

async fn one(app: &Router) -> Response {
    let req = axum::http::Request::get("/users/7")
        .header("traceparent", TRACEPARENT)
        .body(Body::empty())
        .unwrap();
    app.clone().oneshot(req).await.unwrap()
}

fn with_variant<R>(variant: &str, f: impl FnOnce() -> R) -> R {
    match subscriber(variant) {
        Some(dispatch) => tracing::dispatcher::with_default(&dispatch, f),
        None => f(),
    }
}

#[divan::bench(args = VARIANTS)]
fn request(bencher: divan::Bencher, variant: &str) {
    let rt = runtime();
    let app = app();
    with_variant(variant, || bencher.bench_local(|| rt.block_on(one(&app))));
}

fn main() {
    if let Ok(variant) = std::env::var("QH_COUNT") {
        let n: usize = std::env::var("QH_COUNT_N")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(10_000);
        let rt = runtime();
        let app = app();
        with_variant(&variant, || {
            rt.block_on(async {
                for _ in 0..n {
                    black_box(one(&app).await);
                }
            })
        });
        return;
    }
    divan::main();
}
