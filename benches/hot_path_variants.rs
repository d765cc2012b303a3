//! The variants `hot_path` measures: the routes (bare axum, a hand-written
//! twin, qh endpoints) and the layers around them (tower-http's recipes,
//! qh's), with the log subscriber each runs under.

use std::convert::Infallible;
use std::hint::black_box;

use axum::body::{Body, Bytes};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::floor::{FloorId, FloorLayer};
use crate::floor_endpoint::floor_endpoint;

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

pub(crate) const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

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

/// The floor's endpoint (floor.rs): the stored ID, cloned out of the
/// extensions.
struct StoredId(FloorId);

impl<S: Send + Sync> FromRequestParts<S> for StoredId {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, StatusCode> {
        match parts.extensions.get::<FloorId>() {
            Some(id) => Ok(Self(id.clone())),
            None => Err(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

async fn floor_hello(StoredId(id): StoredId) -> Html<&'static str> {
    black_box(id);
    Html("hello")
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

pub(crate) const VARIANTS: &[&str] = &[
    #[cfg(feature = "metrics")]
    "qh_layer_metrics",
    "bare",
    "bare_layered",
    "noop_layer",
    "twin",
    "tower_http",
    "tower_http_two_layers",
    "qh_endpoint",
    "floor_endpoint",
    "qh_layer",
    "qh_layer_endpoint",
    "floor_layer",
    "tower_http_logged",
    "qh_logged",
    "tower_http_stream",
    "qh_stream",
    "tower_http_stream_logged",
    "qh_stream_logged",
    "axum_add",
    "qh_add",
    "json_add",
    "floor_add",
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

pub(crate) fn app(variant: &str) -> Router {
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
        // The least an endpoint keeping its ID's contract can cost
        // (floor_endpoint.rs).
        "floor_endpoint" => Router::new().route("/", get(floor_endpoint)),
        "qh_layer" => Router::new()
            .route("/", get(bare))
            .layer(qh::Tracking::new()),
        "qh_layer_endpoint" => qh::routes![qh_hello].layer(qh::Tracking::new()),
        // The least a layer keeping DESIGN.md's rule 1 can cost (floor.rs).
        "floor_layer" => Router::new().route("/", get(floor_hello)).layer(FloorLayer),
        "tower_http_logged" => tower_http_logged(Router::new().route("/", get(bare))),
        "qh_logged" => qh::routes![qh_hello].layer(logged),
        "tower_http_stream" => tower_http(Router::new().route("/", get(bare_stream))),
        "qh_stream" => qh::routes![qh_stream].layer(qh::Tracking::new()),
        "tower_http_stream_logged" => tower_http_logged(Router::new().route("/", get(bare_stream))),
        "qh_stream_logged" => qh::routes![qh_stream].layer(logged),
        "axum_add" => tower_http(Router::new().route("/add", post(axum_add))),
        "qh_add" => qh::routes![add].layer(qh::Tracking::new()),
        // axum's `Json` twin alone, and under the floor layer (floor.rs).
        "json_add" => Router::new().route("/add", post(axum_add)),
        "floor_add" => Router::new()
            .route("/add", post(axum_add))
            .layer(FloorLayer),
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
pub(crate) fn subscriber(variant: &str) -> Option<tracing::subscriber::DefaultGuard> {
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
