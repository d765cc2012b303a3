//! [`OutboundCall`]: one call to another service, as a client span of its
//! own whose span ID is the callee's parent.
//!
//! Here the call and what it records when it ends; where it goes in
//! `target`, its client span's attributes in `span`.

mod span;
mod target;

pub(crate) use span::Kind;
pub(crate) use target::Target;

use std::fmt;
use std::time::Instant;

use http::{HeaderMap, Method, StatusCode, Uri};
use tracing::Span;

use crate::context::meter::{self, ClientCall, Meters};
use crate::context::{self, export::Exporter};
use crate::id::RequestId;
use crate::trace_context::{SpanId, TraceContext, TraceIds};
use crate::tracking::semconv::known_method;
use span::make_span;

/// The `error.type` of a call dropped before its answer (its future
/// cancelled): the semantic conventions' fallback value.
const CANCELLED: &str = "_OTHER";

/// One outbound call: a client span of its own (a child of the current
/// span), the headers the call carries, naming that span as the callee's
/// parent, and what the call records when it ends.
///
/// `qh::propagation::Propagate` (reqwest) and `qh::grpc::Propagate`
/// (tonic) make one per call; this is the same for calls made by hand, with
/// any client:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::http::{Method, StatusCode, Uri};
/// use qh::propagation::OutboundCall;
/// use tracing::Instrument;
///
/// async fn send(headers: &axum::http::HeaderMap) -> Result<StatusCode, &'static str> {
///     // ... your HTTP client, sending `headers` with the request ...
///     Ok(StatusCode::OK)
/// }
///
/// let uri: Uri = "http://stock.internal:4000/stock/apple?fresh=1".parse().unwrap();
/// let call = OutboundCall::start(&Method::GET, &uri);
/// // The request's ID, `traceparent` naming this call's span, `tracestate`,
/// // TrackingContext headers (empty outside a request).
/// let headers = call.headers().clone();
/// let span = call.span().clone();
/// match send(&headers).instrument(span).await {
///     Ok(status) => call.end(status),
///     Err(_) => call.fail("connect"),
/// }
/// # }
/// ```
///
/// The span (`INFO`, named `client`) carries the semantic conventions' HTTP
/// client attributes: `http.request.method` (`_OTHER` with
/// `http.request.method_original` for a non-standard method),
/// `server.address`, `server.port`, `url.full` (without the query, the
/// fragment or credentials), and once the call ends
/// `http.response.status_code` and `error.type` (the status for a 4xx or
/// 5xx answer, else what [`fail`](Self::fail) was given); and the request's
/// `request_id`. With OpenTelemetry export it is exported as a `CLIENT`
/// span named after the method; without it, it is still a `tracing` span,
/// with its own W3C span ID in the `span_id` field and in the
/// `traceparent` it sends.
///
/// A call dropped before [`end`](Self::end) or [`fail`](Self::fail) (its
/// future cancelled) ends with `error.type` `_OTHER`.
pub struct OutboundCall {
    span: Span,
    headers: HeaderMap,
    ids: Option<TraceIds>,
    done: Option<Done>,
}

/// What the call records when it ends: kept only when a span listens or
/// the request records metrics.
struct Done {
    started: Instant,
    exported: bool,
    /// `http.client.request.duration`'s meter and attributes (an HTTP
    /// call in a request whose layer records metrics).
    measure: Option<Box<ClientMeasure>>,
}

struct ClientMeasure {
    meters: Meters,
    method: Option<&'static str>,
    address: Option<Box<str>>,
    port: u16,
}

impl fmt::Debug for OutboundCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundCall")
            .field("span", &self.span)
            .field("headers", &self.headers)
            .field("ids", &self.ids)
            .finish_non_exhaustive()
    }
}

impl OutboundCall {
    /// Starts a call of `method` to `uri`: its client span (a child of the
    /// current span) and its headers (see [`headers`](super::headers),
    /// with this call's span as the parent).
    #[must_use]
    pub fn start(method: &Method, uri: &Uri) -> Self {
        Self::begin(Kind::Http(method), Target::of_uri(uri))
    }

    pub(crate) fn begin(kind: Kind<'_>, target: Target<'_>) -> Self {
        let exporter = context::current_exporter();
        let request_id = context::request_id();
        let id = request_id.as_ref().map(RequestId::as_str);
        let span = if tracing::level_enabled!(tracing::Level::INFO) {
            make_span(kind, &target, id, exporter.is_some())
        } else {
            Span::none()
        };
        let ids = call_ids(&span, exporter.as_ref(), request_id.is_some());
        if exporter.is_none() {
            if let Some(ids) = &ids {
                span.record("span_id", ids.span_id.hex().as_str());
            }
        }
        let headers = match (&request_id, ids) {
            (Some(_), Some(ids)) => super::build(Some(ids)),
            _ => HeaderMap::new(),
        };
        let measure = match kind {
            Kind::Http(method) => meter::current().map(|meters| {
                let address = target.address();
                Box::new(ClientMeasure {
                    meters,
                    method: known_method(method.as_str()),
                    address: (!address.is_empty()).then(|| address.into()),
                    port: target.port(),
                })
            }),
            #[cfg(feature = "grpc")]
            Kind::Grpc(_) => None,
        };
        let done = (!span.is_disabled() || measure.is_some()).then(|| Done {
            started: Instant::now(),
            exported: exporter.is_some(),
            measure,
        });
        Self {
            span,
            headers,
            ids,
            done,
        }
    }

    /// The headers the call carries: the request's ID under the header it
    /// was resolved under, `traceparent` naming this call's span as the
    /// parent, `tracestate` (a trusted caller's), and the registered
    /// `TrackingContext` headers. Empty outside a request.
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The call's client span: instrument the sending with it, so what the
    /// client logs is inside it.
    #[must_use]
    pub fn span(&self) -> &Span {
        &self.span
    }

    /// The call's W3C identity: the request's trace and this call's span
    /// ID (the callee's parent). `None` outside a request.
    #[must_use]
    pub fn ids(&self) -> Option<TraceIds> {
        self.ids
    }

    /// The callee answered with `status`: recorded as
    /// `http.response.status_code`; a 4xx or 5xx is an error for a client
    /// (`error.type` is the status, the span status `ERROR`).
    pub fn end(mut self, status: StatusCode) {
        self.finish(Some(status.as_u16()), None);
    }

    /// The call got no answer (a connection refused, a timeout): recorded
    /// as `error.type`, which should be a short, low-cardinality name
    /// (`timeout`, `connect`, an error type's name).
    pub fn fail(mut self, error_type: &str) {
        self.finish(None, Some(error_type));
    }

    #[cfg(feature = "grpc")]
    /// Ends the span with nothing recorded: a call whose answer is not
    /// seen here (a tonic interceptor's).
    pub(crate) fn leave(mut self) {
        self.done = None;
    }

    #[cfg(feature = "grpc")]
    /// A gRPC call ended with `grpc-status` `code` (`None`: no status came).
    pub(crate) fn end_grpc(mut self, code: Option<u16>) {
        let Some(done) = self.done.take() else {
            return;
        };
        match code {
            Some(code) => {
                self.span.record("rpc.grpc.status_code", code);
                if code != 0 {
                    self.span.record("error.type", grpc_code_name(code));
                    if done.exported {
                        self.span.record("otel.status_code", "error");
                    }
                }
            }
            None => {
                self.span.record("error.type", CANCELLED);
                if done.exported {
                    self.span.record("otel.status_code", "error");
                }
            }
        }
    }

    fn finish(&mut self, status: Option<u16>, error: Option<&str>) {
        let Some(done) = self.done.take() else {
            return;
        };
        let failed = match status {
            Some(status) => {
                self.span
                    .record("http.response.status_code", i64::from(status));
                // A client's `error.type` for an error answer: its status.
                if status >= 400 {
                    self.span
                        .record("error.type", tracing::field::display(status));
                }
                status >= 400
            }
            None => {
                if let Some(error) = error {
                    self.span.record("error.type", error);
                }
                true
            }
        };
        if failed && done.exported {
            self.span.record("otel.status_code", "error");
        }
        if let Some(m) = done.measure {
            let status_text = status.filter(|s| *s >= 400).map(|s| s.to_string());
            m.meters.meter().client(&ClientCall {
                method: m.method,
                address: m.address.as_deref(),
                port: Some(m.port),
                status,
                error: status_text
                    .as_deref()
                    .or(if status.is_none() { error } else { None }),
                seconds: done.started.elapsed().as_secs_f64(),
            });
        }
    }
}

impl Drop for OutboundCall {
    fn drop(&mut self) {
        if self.done.is_some() {
            self.finish(None, Some(CANCELLED));
        }
    }
}

/// The call's IDs: its exported span's, or without an exporter the
/// request's trace with a new span ID of its own. `None` outside a request.
fn call_ids(span: &Span, exporter: Option<&Exporter>, in_request: bool) -> Option<TraceIds> {
    if !in_request {
        return None;
    }
    if let Some(ids) = exporter.and_then(|e| e.ids_of(span)) {
        return Some(ids);
    }
    // No exported span of its own (none exported, or this one filtered
    // out): the trace the request's lines are filed under, a new span ID.
    let tc = TraceContext::current_or_start()?;
    let trace = exporter
        .and_then(Exporter::current_ids)
        .map_or(tc.trace_id(), |ids| ids.trace_id);
    Some(TraceIds::new(trace, SpanId::random(), tc.sampled()))
}

#[cfg(feature = "grpc")]
/// The name of a non-OK gRPC status code, for `error.type`.
fn grpc_code_name(code: u16) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    NAMES.get(usize::from(code)).copied().unwrap_or(CANCELLED)
}

#[cfg(test)]
mod tests;
