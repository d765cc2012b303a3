//! The per-request cost of qh's tracking, side by side with a bare axum
//! route, a hand-written twin doing the same work, and tower-http's
//! request-id recipe. Each variant answers `GET /` with `Html("hello")`,
//! once with a valid incoming `X-Request-ID` and once without (generated).
//!
//! ```text
//! cargo bench --bench hot_path                      # wall time (divan)
//! QH_COUNT=bare valgrind --tool=callgrind target/release/deps/hot_path-*   # instructions
//! ```
//!
//! With `QH_COUNT=<variant>[:incoming|:generated]` the binary runs that variant
//! `QH_COUNT_N` times (default 10 000) instead of benchmarking, for
//! instruction counting under callgrind: run it with two different counts
//! and divide the difference by the difference in requests.

use std::hint::black_box;

use axum::body::Body;
use axum::http::{HeaderValue, Request};
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

/// What a careful engineer writes by hand: read the header from the parts,
/// keep a valid one without allocating, generate into a stack buffer, scope a
/// task-local, echo.
async fn twin(req: axum::extract::Request) -> Response {
    let incoming = req
        .headers()
        .get("x-request-id")
        .filter(|v| qh::validate::is_valid(v.as_bytes(), 128))
        .cloned();
    let id = incoming.unwrap_or_else(|| {
        let mut buf = [0u8; 36];
        let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buf);
        HeaderValue::from_str(text).expect("uuid text is a header value")
    });
    let mut res = TWIN_ID
        .scope(id.clone(), async { Html("hello").into_response() })
        .await;
    res.headers_mut().insert("x-request-id", id);
    res
}

#[qh::endpoint(method = "GET", path = "/")]
async fn qh_hello(request_id: qh::RequestId) -> Html<&'static str> {
    black_box(request_id);
    Html("hello")
}

const VARIANTS: &[&str] = &[
    "bare",
    "twin",
    "tower_http",
    "qh_endpoint",
    "qh_layer",
    "qh_layer_endpoint",
];

fn app(variant: &str) -> Router {
    match variant {
        "bare" => Router::new().route("/", get(bare)),
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

fn main() {
    if let Ok(spec) = std::env::var("QH_COUNT") {
        let (variant, mode) = spec.split_once(':').unwrap_or((&spec, "incoming"));
        let n: usize = std::env::var("QH_COUNT_N")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(10_000);
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
