//! The per-request cost of qh's tracking, side by side with a bare axum
//! route, the best hand-written shape, and tower-http's request-id recipe
//! as tower-http's docs write it: `SetRequestIdLayer` and
//! `PropagateRequestIdLayer` in one `tower::ServiceBuilder`, passed to one
//! `Router::layer` (`tower_http`; `tower_http_two_layers` is the same two
//! layers passed to `Router::layer` one at a time, which axum boxes
//! separately). Each variant answers `GET /` with `Html("hello")` (the
//! `*_stream` variants with a streamed body of three chunks), once with a
//! valid incoming `X-Request-ID` and once without (generated); the body is
//! collected. The `*_add` variants answer `POST /add` with `{"a":1,"b":2}`
//! (qh's `add(a: i64, b: i64) -> i64` under the layer; axum's `Json`
//! extractor and answer under tower-http's recipe, alone (`json_add`) and
//! under the floor layer (`floor_add`)). The `*_logged` pair adds
//! one JSON log line per request, written to a sink: tower-http's
//! `TraceLayer` between the two request-id layers (as tower-http's docs
//! place it) under `tracing_subscriber::fmt().json()`, and qh's access log
//! under `qh::logs::json()`. With the feature `metrics`, `qh_layer_metrics` is
//! `qh_layer` recording qh's request metrics (OpenTelemetry instruments on
//! an SDK meter provider whose reader does not export during the run).
//! `floor_layer` is the least any layer keeping DESIGN.md's rule 1 can do,
//! written by hand (floor.rs): the lower bound for `qh_layer_endpoint`;
//! `floor_endpoint` the least an endpoint keeping its ID's contract can do
//! without a layer (floor_endpoint.rs), beside `qh_endpoint`.
//!
//! ```text
//! cargo bench -p qh-bench --bench hot_path     # wall time (divan)
//! benches/count.sh                             # instructions and allocations per request
//! benches/loopback.sh                          # req/s on 127.0.0.1 with wrk
//! ```
//!
//! `QH_HEADERS=n` adds the first `n` of 14 typical header lines (host,
//! user agent, accept…, a proxy's forwarding lines, cookie) to every
//! request, for the cost of reading a fuller header map.
//!
//! With `QH_COUNT=<variant>[:incoming|:generated]` the binary runs that
//! variant `QH_COUNT_N` times (default 10 000) instead of benchmarking, for
//! instruction counting under callgrind: run it with two different counts
//! and divide the difference by the difference in requests. With
//! `QH_ALLOCS=1` as well it runs 200 requests to warm up, then prints the
//! allocations per request of the `QH_COUNT_N` after them.

mod alloc_count;
mod floor;
mod floor_endpoint;
mod hot_path_variants;

use std::hint::black_box;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Request};
use axum::Router;
use tower::ServiceExt;

use hot_path_variants::{app, subscriber, VARIANTS, X_REQUEST_ID};

#[global_allocator]
static ALLOCATOR: alloc_count::Counting = alloc_count::Counting;

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
    for &(name, value) in &TYPICAL[..extra_headers()] {
        req.headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    if incoming {
        req.headers_mut().insert(
            X_REQUEST_ID,
            HeaderValue::from_static("0b7e6a52-3c55-4f3c-9d6e-8b1f1f4e2a10"),
        );
    }
    req
}

/// Header lines a request might carry besides the ID, in the order a
/// browser behind a proxy sends them; `QH_HEADERS=n` adds the first `n`.
const TYPICAL: [(&str, &str); 14] = [
    ("host", "api.example.com"),
    (
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    ),
    ("accept", "application/json"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("accept-language", "en-GB,en;q=0.7"),
    ("x-forwarded-for", "203.0.113.7"),
    ("x-forwarded-proto", "https"),
    (
        "authorization",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo",
    ),
    ("cookie", "session=2b1e7a"),
    ("referer", "https://app.example.com/orders"),
    ("origin", "https://app.example.com"),
    ("sec-fetch-mode", "cors"),
    ("sec-fetch-site", "same-site"),
    ("connection", "keep-alive"),
];

/// `QH_HEADERS`: how many of [`TYPICAL`] each request carries (default
/// 0), read once.
fn extra_headers() -> usize {
    static EXTRA: std::sync::LazyLock<usize> = std::sync::LazyLock::new(|| {
        let n = std::env::var("QH_HEADERS").map_or(0, |n| {
            n.parse()
                .expect("QH_HEADERS: how many typical header lines to add")
        });
        assert!(n <= TYPICAL.len(), "QH_HEADERS: at most {}", TYPICAL.len());
        n
    });
    *EXTRA
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
