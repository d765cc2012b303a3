//! The app under test, and the scaffolding that stands in for the request
//! layer's OpenTelemetry wiring: a middleware that opens the server span with
//! `qh::otel::server_span`, parents it on the incoming `traceparent` and
//! records the status.

use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tracing::Instrument;

/// The target of `qh::Tracking`'s own `request` span, which this scaffolding
/// replaces; the OpenTelemetry layer in these tests leaves it out.
pub const TRACKING_SPAN_TARGET: &str = "qh_runtime::layer";

#[qh::endpoint(method = "GET", path = "/users/{user_id}")]
async fn get_user(user_id: u64) -> serde_json::Value {
    let ids = qh::otel::current_ids();
    serde_json::json!({
        "user_id": user_id,
        "traceparent": ids.map(|ids| ids.traceparent()),
    })
}

#[qh::endpoint]
async fn work(job: String) -> &'static str {
    let done = qh::spawn(
        async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            tracing::info!(%job, "background step");
        }
        .instrument(tracing::info_span!("background")),
    );
    let _ = done.await;
    "ok"
}

async fn fail() -> (StatusCode, &'static str) {
    (StatusCode::SERVICE_UNAVAILABLE, "down")
}

async fn teapot() -> StatusCode {
    StatusCode::IM_A_TEAPOT
}

pub fn app() -> Router {
    qh::routes![get_user, work]
        .route("/fail", get(fail))
        .route("/teapot", get(teapot))
        .route_layer(middleware::from_fn(server_span))
        .layer(qh::Tracking::new())
}

async fn server_span(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let id = qh::request_id()
        .map(|id| id.to_string())
        .unwrap_or_default();
    let span = qh::otel::server_span(req.method().as_str(), route, &id);
    let parent = req
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_traceparent);
    if let Some((trace_id, parent_id, sampled)) = parent {
        let state = req
            .headers()
            .get("tracestate")
            .and_then(|v| v.to_str().ok());
        qh::otel::set_remote_parent(&span, trace_id, parent_id, sampled, state);
    }
    let res = next.run(req).instrument(span.clone()).await;
    qh::otel::record_status(&span, res.status().as_u16());
    res
}

/// Just enough of W3C `traceparent` for the scaffolding (version 00 only);
/// the real parser lives with the request layer.
pub fn parse_traceparent(value: &str) -> Option<([u8; 16], [u8; 8], bool)> {
    let mut parts = value.split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if version != "00" || parts.next().is_some() {
        return None;
    }
    let trace = u128::from_str_radix(trace, 16).ok()?.to_be_bytes();
    let parent = u64::from_str_radix(parent, 16).ok()?.to_be_bytes();
    let flags = u8::from_str_radix(flags, 16).ok()?;
    Some((trace, parent, flags & 1 == 1))
}
