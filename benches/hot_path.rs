//! The per-request cost of qh's tracking, side by side with a bare axum
//! route, the best hand-written shape, and tower-http's request-id recipe
//! as tower-http's docs write it: `SetRequestIdLayer` and
//! `PropagateRequestIdLayer` in one `tower::ServiceBuilder`, passed to one
//! `Router::layer` (`tower_http`; `tower_http_two_layers` is the same two
//! layers passed to `Router::layer` one at a time, which axum boxes
//! separately). Each variant answers `GET /` with `Html("hello")` (the
//! `*_stream` variants with a streamed body of three chunks), once with a
//! valid incoming `X-Request-ID` and once without (generated); the body is
//! collected. The `*_add` pair answers `POST /add` with `{"a":1,"b":2}`
//! (qh's `add(a: i64, b: i64) -> i64` under the layer; axum's `Json`
//! extractor and answer under tower-http's recipe). The `*_logged` pair adds
//! one JSON log line per request, written to a sink: tower-http's
//! `TraceLayer` between the two request-id layers (as tower-http's docs
//! place it) under `tracing_subscriber::fmt().json()`, and qh's access log
//! under `qh::logs::json()`. With the feature `metrics`, `qh_layer_metrics` is
//! `qh_layer` recording qh's request metrics (OpenTelemetry instruments on
//! an SDK meter provider whose reader does not export during the run).
//!
//! ```text
//! cargo bench -p qh-bench --bench hot_path     # wall time (divan)
//! benches/count.sh                             # instructions and allocations per request
//! benches/loopback.sh                          # req/s on 127.0.0.1 with wrk
//! ```
//!
//! With `QH_COUNT=<variant>[:incoming|:generated]` the binary runs that
//! variant `QH_COUNT_N` times (default 10 000) instead of benchmarking, for
//! instruction counting under callgrind: run it with two different counts
//! and divide the difference by the difference in requests. With
//! `QH_ALLOCS=1` as well it runs 200 requests to warm up, then prints the
//! allocations per request of the `QH_COUNT_N` after them.

mod alloc_count;

use std::convert::Infallible;
use std::hint::black_box;

use axum::body::{Body, Bytes};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

#[global_allocator]
static ALLOCATOR: alloc_count::Counting = alloc_count::Counting;

async fn bare() -> Html<&'static str> {
    Html("hello")
}

/// Three chunks, streamed.
fn chunks() -> Body {
    Body::from_stream(stream::iter(
        ["hel", "l", "o"].map(|c| Ok::<_, Infallible>(Bytes::from_static(c.as_bytes()))),
    ))
}

async fn bare_stream() -> Body {
    chunks()
}

tokio::task_local! {
    static TWIN_ID: HeaderValue;
}

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The best hand-written shape: an extractor that reads `X-Request-ID` from
/// the parts (no `HeaderMap` clone), clones the value or writes a UUID v4
/// into a stack buffer; the handler body runs in a `task_local!` scope and
/// sets the response header. It does not validate (qh does: ~100
/// instructions for a 36-byte ID).
struct TwinId(HeaderValue);

impl<S: Send + Sync> FromRequestParts<S> for TwinId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self(match parts.headers.get(X_REQUEST_ID) {
            Some(value) => value.clone(),
            None => {
                let mut buf = [0u8; 36];
                let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buf);
                HeaderValue::from_str(text).expect("uuid text is a header value")
            }
        }))
    }
}

async fn twin(TwinId(id): TwinId) -> Response {
    let mut res = TWIN_ID
        .scope(id.clone(), async { Html("hello").into_response() })
        .await;
    res.headers_mut().insert(X_REQUEST_ID, id);
    res
}

#[qh::endpoint(method = "GET", path = "/")]
async fn qh_hello(request_id: qh::RequestId) -> Html<&'static str> {
    black_box(request_id);
    Html("hello")
}

#[qh::endpoint(method = "GET", path = "/")]
async fn qh_stream(request_id: qh::RequestId) -> Body {
    black_box(request_id);
    chunks()
}

#[qh::endpoint]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[derive(serde::Deserialize)]
struct AddBody {
    a: i64,
    b: i64,
}

async fn axum_add(Json(AddBody { a, b }): Json<AddBody>) -> Json<i64> {
    Json(a + b)
}

/// A layer that does nothing but hold state, as every real layer does: what
/// axum's per-route boxing costs a layer that is not zero-sized.
#[derive(Clone)]
struct Noop(std::sync::Arc<()>);

impl<S> tower::Layer<S> for Noop {
    type Service = NoopService<S>;

    fn layer(&self, inner: S) -> NoopService<S> {
        NoopService(inner, self.0.clone())
    }
}

#[derive(Clone)]
struct NoopService<S>(S, #[allow(dead_code)] std::sync::Arc<()>);

impl<S: tower::Service<R>, R> tower::Service<R> for NoopService<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> S::Future {
        self.0.call(req)
    }
}

const VARIANTS: &[&str] = &[
    #[cfg(feature = "metrics")]
    "qh_layer_metrics",
    "bare",
    "bare_layered",
    "noop_layer",
    "twin",
    "tower_http",
    "tower_http_two_layers",
    "qh_endpoint",
    "qh_layer",
    "qh_layer_endpoint",
    "tower_http_logged",
    "qh_logged",
    "tower_http_stream",
    "qh_stream",
    "tower_http_stream_logged",
    "qh_stream_logged",
    "axum_add",
    "qh_add",
];

/// Whose JSON log subscriber a variant runs under.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Logs {
    None,
    TowerHttp,
    Qh,
}

fn logs(variant: &str) -> Logs {
    match variant {
        "tower_http_logged" | "tower_http_stream_logged" => Logs::TowerHttp,
        "qh_logged" | "qh_stream_logged" => Logs::Qh,
        _ => Logs::None,
    }
}

/// tower-http's request-id recipe around `router`, as its docs write it:
/// one `ServiceBuilder` that sets the ID (a UUID v4 when absent), then
/// propagates it to the response, passed to one `Router::layer`.
fn tower_http(router: Router) -> Router {
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(PropagateRequestIdLayer::x_request_id()),
    )
}

/// The same two layers passed to `Router::layer` one at a time: axum boxes
/// every route again for each (the baseline before, kept for comparison).
fn tower_http_two_layers(router: Router) -> Router {
    router
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// tower-http's logged recipe, as its docs write it: in one
/// `ServiceBuilder`, the ID set, a `TraceLayer` (which sees it) whose span
/// carries `request_id`, logging at INFO when the response is ready, and the
/// ID propagated to the response.
fn tower_http_logged(router: Router) -> Router {
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|req: &Request<Body>| {
                        let id = req
                            .headers()
                            .get(X_REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default();
                        tracing::info_span!(
                            "request",
                            request_id = id,
                            method = %req.method(),
                            uri = %req.uri(),
                        )
                    })
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
            .layer(PropagateRequestIdLayer::x_request_id()),
    )
}

fn app(variant: &str) -> Router {
    let logged = qh::Tracking::new().access_log(true);
    match variant {
        "bare" => Router::new().route("/", get(bare)),
        // What any layer on a router costs before it does anything: axum
        // boxes every layered route again.
        "bare_layered" => Router::new()
            .route("/", get(bare))
            .layer(tower::layer::util::Identity::new()),
        "noop_layer" => Router::new()
            .route("/", get(bare))
            .layer(Noop(std::sync::Arc::new(()))),
        "twin" => Router::new().route("/", get(twin)),
        "tower_http" => tower_http(Router::new().route("/", get(bare))),
        "tower_http_two_layers" => tower_http_two_layers(Router::new().route("/", get(bare))),
        "qh_endpoint" => qh::routes![qh_hello],
        "qh_layer" => Router::new()
            .route("/", get(bare))
            .layer(qh::Tracking::new()),
        "qh_layer_endpoint" => qh::routes![qh_hello].layer(qh::Tracking::new()),
        "tower_http_logged" => tower_http_logged(Router::new().route("/", get(bare))),
        "qh_logged" => qh::routes![qh_hello].layer(logged),
        "tower_http_stream" => tower_http(Router::new().route("/", get(bare_stream))),
        "qh_stream" => qh::routes![qh_stream].layer(qh::Tracking::new()),
        "tower_http_stream_logged" => tower_http_logged(Router::new().route("/", get(bare_stream))),
        "qh_stream_logged" => qh::routes![qh_stream].layer(logged),
        "axum_add" => tower_http(Router::new().route("/add", post(axum_add))),
        "qh_add" => qh::routes![add].layer(qh::Tracking::new()),
        #[cfg(feature = "metrics")]
        "qh_layer_metrics" => Router::new()
            .route("/", get(bare))
            .layer(qh::Tracking::new().metrics(&metrics())),
        other => panic!("unknown variant {other}; one of {VARIANTS:?}"),
    }
}

/// qh's metrics on a meter provider whose periodic reader exports to
/// memory once a minute: never during a counting run.
#[cfg(feature = "metrics")]
fn metrics() -> qh::otel::Metrics {
    use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
    let provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(InMemoryMetricExporter::default()).build())
        .build();
    let metrics = qh::otel::Metrics::new(&provider);
    // Kept for the process: the instruments stop recording once it drops.
    std::mem::forget(provider);
    metrics
}

/// The variant's log subscriber, current while the guard lives.
fn subscriber(variant: &str) -> Option<tracing::subscriber::DefaultGuard> {
    match logs(variant) {
        Logs::None => None,
        Logs::TowerHttp => Some(tracing::subscriber::set_default(
            tracing_subscriber::fmt()
                .json()
                .with_max_level(Level::INFO)
                .with_writer(std::io::sink)
                .finish(),
        )),
        Logs::Qh => Some(tracing::subscriber::set_default(
            qh::logs::json()
                .filter("info")
                .writer(std::io::sink)
                .finish(),
        )),
    }
}

/// `GET /` (for the `*_add` variants `POST /add` with `{"a":1,"b":2}`),
/// with a valid `X-Request-ID` when `incoming`.
fn request(add: bool, incoming: bool) -> Request<Body> {
    let mut req = if add {
        let mut req = Request::new(Body::from(r#"{"a":1,"b":2}"#));
        *req.method_mut() = axum::http::Method::POST;
        *req.uri_mut() = axum::http::Uri::from_static("/add");
        req.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        req
    } else {
        Request::new(Body::empty())
    };
    if incoming {
        req.headers_mut().insert(
            X_REQUEST_ID,
            HeaderValue::from_static("0b7e6a52-3c55-4f3c-9d6e-8b1f1f4e2a10"),
        );
    }
    req
}

/// Whether the variant answers `POST /add`.
fn is_add(variant: &str) -> bool {
    variant.ends_with("_add")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// One request, its body collected.
async fn one(app: &Router, add: bool, incoming: bool) -> Bytes {
    let res = app.clone().oneshot(request(add, incoming)).await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap()
}

#[divan::bench(args = VARIANTS)]
fn incoming(bencher: divan::Bencher, variant: &str) {
    let _logs = subscriber(variant);
    let rt = runtime();
    let (app, add) = (app(variant), is_add(variant));
    bencher.bench_local(|| rt.block_on(one(&app, add, true)));
}

#[divan::bench(args = VARIANTS)]
fn generated(bencher: divan::Bencher, variant: &str) {
    let _logs = subscriber(variant);
    let rt = runtime();
    let (app, add) = (app(variant), is_add(variant));
    bencher.bench_local(|| rt.block_on(one(&app, add, false)));
}

/// `QH_SERVE=<variant>:<port>`: serve the variant on 127.0.0.1 with a
/// multi-thread runtime, for `benches/loopback.sh`.
fn serve(spec: &str) {
    let (variant, port) = spec.split_once(':').unwrap_or((spec, "3900"));
    let port: u16 = port.parse().expect("QH_SERVE port");
    let app = app(variant);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .unwrap();
            axum::serve(listener, app).await.unwrap();
        });
}

/// `QH_COUNT=<variant>[:incoming|:generated]`: see the module docs.
fn count(spec: &str) {
    let (variant, mode) = spec.split_once(':').unwrap_or((spec, "incoming"));
    let n: u64 = std::env::var("QH_COUNT_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let allocs = std::env::var_os("QH_ALLOCS").is_some();
    let _logs = subscriber(variant);
    let rt = runtime();
    let (app, add) = (app(variant), is_add(variant));
    let incoming = mode == "incoming";
    rt.block_on(async {
        if allocs {
            for _ in 0..200 {
                black_box(one(&app, add, incoming).await);
            }
        }
        let before = alloc_count::allocations();
        for _ in 0..n {
            black_box(one(&app, add, incoming).await);
        }
        if allocs {
            let per = (alloc_count::allocations() - before) as f64 / n as f64;
            println!("{per:.2}");
        }
    });
}

fn main() {
    if let Ok(spec) = std::env::var("QH_SERVE") {
        serve(&spec);
        return;
    }
    if let Ok(spec) = std::env::var("QH_COUNT") {
        count(&spec);
        return;
    }
    divan::main();
}
