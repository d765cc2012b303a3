//! Outbound propagation: what a call to another service carries from the
//! current request, so that service logs and traces the same story.
//!
//! [`headers()`] gives, inside a request:
//!
//! - the request's ID under the header it was resolved under (default
//!   `x-request-id`; an ID read from `X-Correlation-ID` goes out as
//!   `X-Correlation-ID`);
//! - `traceparent` with the span current where it is called as the parent
//!   (the request's span), and `tracestate` when a trusted caller sent a
//!   valid one (see [`TraceContext`]);
//! - the headers of every `#[derive(TrackingContext)]` value extracted for
//!   the request (`X-User-ID`, `X-Session-ID`, …).
//!
//! Every call given those headers names the same parent. A call of its own
//! is an [`OutboundCall`]: a client span (a child of the current span) whose
//! span ID is the parent in the call's `traceparent`, recording the call's
//! method, server, URL, status and `error.type`, so a trace shows each call
//! apart, with its latency. With the cargo feature `reqwest`, `Propagate` (a
//! `reqwest-middleware` middleware) makes every request sent through it
//! one; `PropagateExt::propagate` adds `headers()` to a request builder (no
//! span: a builder never sees the answer). They are built on reqwest 0.13 and
//! reqwest-middleware 0.5: depend on those versions yourself to name their
//! types (`reqwest::Client`, `reqwest_middleware::ClientBuilder`).
//!
//! # Where the pieces come from
//!
//! - The ID and its header are the request's resolution (the `Tracking`
//!   layer's or the endpoint's): nothing to set up.
//! - The trace: the layer and endpoints store the [`TraceContext`] of a
//!   valid incoming `traceparent` when the request has one; a request
//!   without one starts a new trace on its first outbound call, and later
//!   calls continue it. [`enter`] does the same by hand for work that is
//!   not an HTTP request (a message consumer inside a `Context` scope).
//! - `#[derive(TrackingContext)]` extractors register their `to_headers()`
//!   (see [`register`]); extracting a struct twice replaces the earlier
//!   headers; outside a request it does nothing.

use http::HeaderMap;

use crate::context::{self, outbound};
use crate::id::DEFAULT_HEADER;
use crate::trace_context::{TraceContext, TraceIds};

mod call;
#[cfg(feature = "reqwest")]
mod client;
pub use crate::context::outbound::register;
pub use call::OutboundCall;
#[cfg(any(feature = "grpc", feature = "reqwest"))]
pub(crate) use call::{Kind, Target};
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub use client::{Propagate, PropagateExt};

/// What an outbound call from here should carry; empty outside a request.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::{body::Body, http::Request, routing::get, Router};
/// use tower::ServiceExt;
///
/// assert!(qh::propagation::headers().is_empty());
///
/// async fn call_next_service() -> String {
///     let out = qh::propagation::headers();
///     let tp = out["traceparent"].to_str().unwrap();
///     format!("{} {}", out["x-correlation-id"].to_str().unwrap(), &tp[..35])
/// }
/// let app: Router = Router::new()
///     .route("/", get(call_next_service))
///     .layer(qh::Tracking::new().header("X-Correlation-ID"));
/// let req = Request::get("/")
///     .header("x-correlation-id", "abc-123")
///     .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
///     .body(Body::empty())
///     .unwrap();
/// let res = app.oneshot(req).await.unwrap();
/// let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
/// // The ID under the header it came in under; the trace continued.
/// assert_eq!(&body[..], b"abc-123 00-4bf92f3577b34da6a3ce929d0e0e4736");
/// # }
/// ```
#[must_use]
pub fn headers() -> HeaderMap {
    build(None)
}

/// The headers of an outbound call whose parent is `own` (its client
/// span), else the span current here.
pub(crate) fn build(own: Option<TraceIds>) -> HeaderMap {
    let mut out = HeaderMap::new();
    let Some(id) = crate::context::request_id() else {
        return out;
    };
    // TrackingContext headers first: qh's own (the ID, the trace) win a clash.
    outbound::for_each(|headers| out.extend(headers.clone()));
    let name = context::current_header().unwrap_or(DEFAULT_HEADER);
    out.insert(name, id.to_header_value());
    // A request without an incoming `traceparent` starts its trace on its
    // first outbound call; later calls continue the same one.
    if let Some(tc) = TraceContext::current_or_start() {
        // The call's own client span; else, with OpenTelemetry exporting,
        // the exported span current here.
        let parent = own.or_else(context::exported_ids);
        let tc = match parent {
            Some(ids) => tc.with_span(ids.trace_id, ids.span_id),
            None => tc,
        };
        tc.write_headers(&mut out);
    }
    out
}

/// Records, in the current request's context, what outbound calls need from
/// the incoming request: the header the ID was resolved under and the trace
/// context (continued from a valid `traceparent`, else new). Does nothing
/// when a trace context is already stored (a nested layer got here first)
/// or outside a request; returns whether this call stored them.
///
/// # Examples
///
/// A queue consumer whose messages carry the producer's trace in their
/// headers continues it, so its own outbound calls stay in that trace:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::http::HeaderMap;
/// use qh::{context::Context, RequestId};
///
/// let mut message_headers = HeaderMap::new();
/// message_headers.insert(
///     "traceparent",
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap(),
/// );
/// Context::new(RequestId::from_static("msg-17"))
///     .scope(async {
///         assert!(qh::propagation::enter(&message_headers));
///         assert!(!qh::propagation::enter(&message_headers)); // already stored
///         let out = qh::propagation::headers();
///         let tp = out["traceparent"].to_str().unwrap();
///         assert!(tp.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
///     })
///     .await;
/// assert!(!qh::propagation::enter(&message_headers)); // outside a request
/// # }
/// ```
pub fn enter(headers: &HeaderMap) -> bool {
    if !context::is_set() || context::get::<TraceContext>().is_some() {
        return false;
    }
    context::insert(TraceContext::from_headers_or_new(headers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use crate::id::RequestId;
    use crate::trace_context::{TraceParent, TRACEPARENT, TRACESTATE};
    use http::HeaderName;
    use http::HeaderValue;

    const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn incoming(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    fn in_request<R>(f: impl FnOnce() -> R) -> R {
        Context::new(RequestId::from_static("req-9")).sync_scope(f)
    }

    #[test]
    fn outside_a_request_nothing_is_sent_or_stored() {
        assert!(headers().is_empty());
        assert!(!enter(&incoming(&[("traceparent", TP)])));
        assert!(!register::<u8>(HeaderMap::new()));
    }

    #[test]
    fn continues_the_incoming_trace_with_our_span_and_keeps_tracestate() {
        let out = in_request(|| {
            enter(&incoming(&[
                ("traceparent", TP),
                ("tracestate", "rojo=1,congo=2"),
            ]));
            headers()
        });
        assert_eq!(out["x-request-id"], "req-9");
        let tp = TraceParent::from_header_value(&out[TRACEPARENT]).unwrap();
        assert_eq!(tp.trace_id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_ne!(tp.parent_id.to_string(), "00f067aa0ba902b7");
        assert_eq!(out[TRACESTATE], "rojo=1,congo=2");
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn invalid_traceparent_is_not_echoed_and_its_tracestate_dropped() {
        let out = in_request(|| {
            enter(&incoming(&[
                (
                    "traceparent",
                    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                ),
                ("tracestate", "rojo=1"),
            ]));
            headers()
        });
        let tp = out[TRACEPARENT].to_str().unwrap();
        assert!(
            !tp.to_ascii_lowercase().contains("4bf92f3577b34da6"),
            "{tp}"
        );
        assert!(TraceParent::parse(tp).is_some());
        assert!(out.get(TRACESTATE).is_none());
    }

    #[test]
    fn the_id_goes_out_under_the_header_it_came_in_under() {
        let resolved = crate::context::Resolved::new(
            crate::id::RequestId::from_static("req-9"),
            HeaderName::from_static("x-correlation-id"),
            None,
        );
        let out = Context::from_resolved(resolved, None).sync_scope(headers);
        assert_eq!(out["x-correlation-id"], "req-9");
        assert!(out.get("x-request-id").is_none());
    }

    #[test]
    fn a_second_enter_keeps_the_first_trace() {
        let (first, second) = in_request(|| {
            enter(&HeaderMap::new());
            let first = TraceContext::current().unwrap();
            assert!(!enter(&incoming(&[("traceparent", TP)])));
            (first, TraceContext::current().unwrap())
        });
        assert_eq!(first, second);
    }

    #[test]
    fn tracking_context_headers_are_added_and_replaced_per_type() {
        struct A;
        struct B;
        let out = in_request(|| {
            let mut a = HeaderMap::new();
            a.insert("x-user-id", HeaderValue::from_static("u1"));
            a.append("x-role", HeaderValue::from_static("admin"));
            a.append("x-role", HeaderValue::from_static("ops"));
            assert!(register::<A>(a));
            let mut b = HeaderMap::new();
            b.insert("x-session-id", HeaderValue::from_static("s1"));
            // A clash with qh's own header: the request's ID wins.
            b.insert("x-request-id", HeaderValue::from_static("spoofed"));
            register::<B>(b);
            let mut a2 = HeaderMap::new();
            a2.insert("x-user-id", HeaderValue::from_static("u2"));
            register::<A>(a2);
            headers()
        });
        assert_eq!(out["x-user-id"], "u2");
        assert!(out.get("x-role").is_none(), "replaced with A's new headers");
        assert_eq!(out["x-session-id"], "s1");
        assert_eq!(out["x-request-id"], "req-9");
    }

    #[tokio::test]
    async fn spawned_work_propagates_the_same_headers() {
        let (outer, inner) = Context::new(RequestId::from_static("req-s"))
            .scope(async {
                enter(&incoming(&[("traceparent", TP)]));
                let outer = headers();
                let inner = crate::spawn(async { headers() }).await.unwrap();
                (outer, inner)
            })
            .await;
        assert_eq!(outer, inner);
        assert_eq!(inner["x-request-id"], "req-s");
    }
}
