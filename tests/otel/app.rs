//! The app under test: endpoints and plain routes under the `Tracking`
//! layer, which opens the OpenTelemetry server span itself.

use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::{any, get};
use axum::Router;
use tracing::Instrument;

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

/// Any method, PROPFIND (not one the conventions name) among them.
async fn dav() -> StatusCode {
    StatusCode::MULTI_STATUS
}

/// The app: qh endpoints and plain routes under `qh::Tracking`, whose one
/// `request` span is the OpenTelemetry server span.
pub fn app() -> Router {
    qh::routes![get_user, work]
        .route("/fail", get(fail))
        .route("/teapot", get(teapot))
        .route("/dav", any(dav))
        .layer(qh::Tracking::new())
}

/// The IDs of a version-00 `traceparent`, for the tests' expectations.
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
