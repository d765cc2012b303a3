//! The per-call cost of `qh::Tracking` on a gRPC unary call, beside
//! tower-http's request-id layers on the same service (in one
//! `tower::ServiceBuilder` passed to one `Router::layer`, as tower-http's
//! docs write them; `tower_http_two_layers` passes them one at a time): tonic's health
//! service (`grpc.health.v1.Health/Check`) as an axum router
//! (`tonic::service::Routes::into_axum_router`), a call built in-process
//! (`POST`, `content-type: application/grpc`, one empty message frame) and
//! its answer read to the end (its trailers included). `floor` is the
//! least any layer keeping DESIGN.md's rule 1 can do (floor.rs), around the
//! same service: the lower bound for `qh`.
//!
//! ```text
//! BENCH=grpc benches/count.sh        # instructions per call (callgrind)
//! ```
//!
//! `QH_COUNT=<variant>[:incoming|:generated]` runs that variant
//! `QH_COUNT_N` times, for instruction counting under callgrind.

// The hand-written floor layer (floor.rs).
mod floor;

use std::hint::black_box;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::Router;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every variant, for `count.sh`.
pub const VARIANTS: &[&str] = &[
    "tonic",
    "tower_http",
    "tower_http_two_layers",
    "qh",
    "floor",
];

fn app(variant: &str) -> Router {
    let (_reporter, health) = tonic_health::server::health_reporter();
    let router = tonic::service::Routes::new(health).into_axum_router();
    match variant {
        "tonic" => router,
        "tower_http" => router.layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(X_REQUEST_ID, MakeRequestUuid))
                .layer(PropagateRequestIdLayer::new(X_REQUEST_ID)),
        ),
        "tower_http_two_layers" => router
            .layer(PropagateRequestIdLayer::new(X_REQUEST_ID))
            .layer(SetRequestIdLayer::new(X_REQUEST_ID, MakeRequestUuid)),
        "qh" => router.layer(qh::Tracking::new()),
        "floor" => router.layer(floor::FloorLayer),
        other => panic!("unknown variant `{other}`; one of {VARIANTS:?}"),
    }
}

/// One unary `Check` of the server's own health (an empty request message).
async fn one(app: &Router, incoming: bool) -> usize {
    let mut req = Request::post("/grpc.health.v1.Health/Check")
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(Body::from(vec![0u8, 0, 0, 0, 0]))
        .expect("a valid request");
    if incoming {
        req.headers_mut().insert(
            X_REQUEST_ID,
            HeaderValue::from_static("0f8e9a52-6f0b-4f5e-9d1e-2b7c3a4d5e6f"),
        );
    }
    let res = app.clone().oneshot(req).await.expect("infallible");
    assert_eq!(res.status(), 200);
    let body = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .expect("the answer");
    body.len()
}

fn main() {
    let spec = std::env::var("QH_COUNT").unwrap_or_else(|_| "qh:incoming".to_owned());
    let (variant, mode) = spec.split_once(':').unwrap_or((&spec, "incoming"));
    let n: usize = std::env::var("QH_COUNT_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let app = app(variant);
    let incoming = mode == "incoming";
    rt.block_on(async {
        for _ in 0..n {
            black_box(one(&app, incoming).await);
        }
    });
}
