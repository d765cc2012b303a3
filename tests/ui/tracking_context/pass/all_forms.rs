//! Every accepted form of `#[derive(qh::TrackingContext)]`.

#![deny(warnings, missing_docs)]
#![forbid(unsafe_code)]

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::HeaderValue;

/// Named `request_id`, header names explicit, `name = …` and bare.
#[derive(qh::TrackingContext, Clone, Debug)]
pub struct Tracking {
    request_id: qh::RequestId,
    #[header("X-User-ID")]
    user_id: Option<String>,
    #[header(name = "X-Tenant")]
    tenant: String,
    #[header]
    x_session_id: Option<Box<str>>,
    #[header]
    r#type: Option<Arc<str>>,
    #[header("X-Attempt")]
    attempt: Option<u64>,
    #[header("X-Ratio")]
    ratio: Option<f64>,
    #[header("X-Debug")]
    debug: Option<bool>,
    #[header("X-Grade")]
    grade: Option<char>,
    #[header("X-Trace")]
    trace: Option<uuid::Uuid>,
    #[header("X-Forwarded-For")]
    client: Option<IpAddr>,
    #[header("X-Raw")]
    raw: Option<HeaderValue>,
    #[header("X-Parent-ID")]
    parent: Option<qh::RequestId>,
    #[header("a!#$%&'*+-.^_`|~z")]
    odd: Option<String>,
}

/// `#[request_id]` on another name, as a `String`; not `Clone`.
#[derive(qh::TrackingContext)]
pub struct Marked {
    #[request_id]
    id: String,
}

/// The ID read from (and written to) a custom header.
#[derive(qh::TrackingContext, Clone)]
pub struct Correlated {
    #[header("X-Correlation-ID")]
    request_id: Option<Arc<str>>,
}

/// No ID field, only headers; a longer bound, and one forwarded from any
/// peer (the options in any order, with or without a name).
#[derive(qh::TrackingContext, Clone)]
pub struct HeadersOnly {
    #[header("X-Tenant")]
    tenant: Option<String>,
    #[header("X-Session-ID", max_len = 4096)]
    session: Option<String>,
    #[header("X-Locale", forward_untrusted)]
    locale: Option<String>,
    #[header(forward_untrusted, max_len = 1_000, name = "X-Region")]
    region: Option<String>,
    #[header(max_len = 16)]
    x_zone: Option<String>,
}

/// The `#[request_id]` marker on the field named `request_id` is redundant
/// but accepted.
#[derive(qh::TrackingContext, Clone)]
pub struct Redundant {
    #[request_id]
    request_id: Box<str>,
}

async fn handler(t: Tracking, m: Marked, c: Correlated, h: HeadersOnly, r: Redundant) -> String {
    format!(
        "{:?} {} {:?} {:?} {}",
        t, m.id, c.request_id, h.tenant, r.request_id
    )
}

// A raw `r#request_id` is the tracking ID, as in `#[qh::endpoint]`.
#[derive(qh::TrackingContext, Clone)]
struct RawId {
    r#request_id: qh::RequestId,
    #[header]
    r#type: Option<String>,
}

fn main() {
    let _ = |r: RawId| (r.r#request_id, r.r#type);
    let _app: axum::Router = axum::Router::new().route("/", axum::routing::get(handler));
    let headers = axum::http::HeaderMap::new();
    let _ = Tracking::from_headers(&headers).map(|t| t.to_headers());
    let _ = Marked::from_headers(&headers).map(|m| m.to_headers());
    let _: Option<Tracking> = Tracking::current();
    let _: Option<Correlated> = Correlated::current();
    let _ = HeadersOnly::from_headers(&headers)
        .map(|h| (h.to_headers(), h.tenant, h.session, h.locale, h.region, h.x_zone));
    let _ = Redundant::current();
    let _ = (Tracking::from_headers(&headers).map(|t| {
        (
            t.user_id,
            t.tenant,
            t.x_session_id,
            t.r#type,
            t.attempt,
            t.ratio,
            t.debug,
            t.grade,
            t.trace,
            t.client,
            t.raw,
            t.parent,
            t.odd,
            t.request_id,
        )
    }),);
}
