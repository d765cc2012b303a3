//! The per-request cost of qh's tracking, side by side with a bare axum
//! route, the best hand-written shape, and tower-http's request-id recipe.
//! Each variant answers `GET /` with `Html("hello")`, once with a valid
//! incoming `X-Request-ID` and once without (generated).
//!
//! ```text
//! cargo bench -p qh-bench --bench hot_path     # wall time (divan)
//! benches/count.sh                             # instructions per request (callgrind)
//! benches/loopback.sh                          # req/s on 127.0.0.1 with wrk
//! ```
//!
//! With `QH_COUNT=<variant>[:incoming|:generated]` the binary runs that variant
//! `QH_COUNT_N` times (default 10 000) instead of benchmarking, for
//! instruction counting under callgrind: run it with two different counts
//! and divide the difference by the difference in requests.

use std::convert::Infallible;
use std::hint::black_box;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower::ServiceExt;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

async fn bare() -> Html<&'static str> {
    Html("hello")
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

const VARIANTS: &[&str] = &[
    "bare",
    "bare_layered",
    "twin",
    "tower_http",
    "qh_endpoint",
    "qh_layer",
    "qh_layer_endpoint",
];

fn app(variant: &str) -> Router {
    match variant {
        "bare" => Router::new().route("/", get(bare)),
        // What any layer on a router costs before it does anything: axum
        // boxes every layered route again.
        "bare_layered" => Router::new()
            .route("/", get(bare))
            .layer(tower::layer::util::Identity::new()),
        "twin" => Router::new().route("/", get(twin)),
        "tower_http" => Router::new()
            .route("/", get(bare))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid)),
        "qh_endpoint" => qh::routes![qh_hello],
        "qh_layer" => Router::new()
            .route("/", get(bare))
            .layer(qh::Tracking::new()),
        "qh_layer_endpoint" => qh::routes![qh_hello].layer(qh::Tracking::new()),
        other => panic!("unknown variant {other}; one of {VARIANTS:?}"),
    }
}

fn request(incoming: bool) -> Request<Body> {
    let mut req = Request::get("/");
    if incoming {
        req = req.header("x-request-id", "0b7e6a52-3c55-4f3c-9d6e-8b1f1f4e2a10");
    }
    req.body(Body::empty()).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

async fn one(app: &Router, incoming: bool) -> Response {
    let res = app.clone().oneshot(request(incoming)).await.unwrap();
    debug_assert!(res.headers().contains_key("x-request-id") || res.status().is_success());
    res
}

#[divan::bench(args = VARIANTS)]
fn incoming(bencher: divan::Bencher, variant: &str) {
    let rt = runtime();
    let app = app(variant);
    bencher.bench_local(|| rt.block_on(one(&app, true)));
}

#[divan::bench(args = VARIANTS)]
fn generated(bencher: divan::Bencher, variant: &str) {
    let rt = runtime();
    let app = app(variant);
    bencher.bench_local(|| rt.block_on(one(&app, false)));
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

fn main() {
    if let Ok(spec) = std::env::var("QH_SERVE") {
        serve(&spec);
        return;
    }
    if let Ok(spec) = std::env::var("QH_COUNT") {
        let (variant, mode) = spec.split_once(':').unwrap_or((&spec, "incoming"));
        let n: usize = std::env::var("QH_COUNT_N")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(10_000);
        // `<variant>+logs`: with qh's JSON log subscriber (to a sink) at
        // INFO, so the request span is made, filled and closed: its cost.
        let (variant, logged) = match variant.strip_suffix("+logs") {
            Some(variant) => (variant, true),
            None => (variant, false),
        };
        let _logs = logged.then(|| {
            tracing::subscriber::set_default(qh::logs::json().with_writer(std::io::sink).finish())
        });
        let rt = runtime();
        let app = app(variant);
        let incoming = mode == "incoming";
        rt.block_on(async {
            for _ in 0..n {
                black_box(one(&app, incoming).await);
            }
        });
        return;
    }
    divan::main();
}
