//! [`OutboundCall`]: one call to another service, as a client span of its
//! own whose span ID is the callee's parent.

use std::fmt;
use std::time::Instant;

use http::{HeaderMap, Method, StatusCode, Uri};
use tracing::field::Empty;
use tracing::Span;

use crate::context::meter::{self, ClientCall, Meters};
use crate::context::{self, export::Exporter};
use crate::id::RequestId;
use crate::support::text::cut;
use crate::trace_context::{SpanId, TraceContext, TraceIds};
#[cfg(feature = "grpc")]
use crate::tracking::grpc::Rpc;
use crate::tracking::semconv::known_method;

/// The longest `url.full` recorded, in bytes: the URL is the app's own,
/// but a path built from user input could be long.
const MAX_URL: usize = 1024;

/// The `error.type` of a call dropped before its answer (its future
/// cancelled): the semantic conventions' fallback value.
const CANCELLED: &str = "_OTHER";

/// Where a call goes, as its client span reports it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target<'a> {
    pub(crate) scheme: &'a str,
    /// The host as written in the URL (an IPv6 address in brackets).
    pub(crate) host: &'a str,
    /// The port given in the URL, if any.
    pub(crate) port: Option<u16>,
    pub(crate) path: &'a str,
}

impl<'a> Target<'a> {
    fn of_uri(uri: &'a Uri) -> Self {
        Self {
            scheme: uri.scheme_str().unwrap_or("http"),
            host: uri.host().unwrap_or(""),
            port: uri.port_u16(),
            path: uri.path(),
        }
    }

    /// `server.address`: the host, an IPv6 address without its brackets.
    fn address(&self) -> &'a str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }

    /// `server.port`: the URL's, else the scheme's default.
    fn port(&self) -> u16 {
        self.port.unwrap_or(match self.scheme {
            "https" | "wss" => 443,
            _ => 80,
        })
    }

    /// `url.full` without the query, the fragment or any credentials.
    fn url(&self) -> String {
        let mut url = format!("{}://{}", self.scheme, self.host);
        if let Some(port) = self.port {
            url.push(':');
            url.push_str(&port.to_string());
        }
        url.push_str(self.path);
        cut(&url, MAX_URL).into_owned()
    }
}

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

/// What kind of call a client span describes.
#[derive(Clone, Copy)]
pub(crate) enum Kind<'a> {
    Http(&'a Method),
    /// A gRPC call to `path` (`/package.Service/Method`).
    #[cfg(feature = "grpc")]
    Grpc(&'a str),
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
            m.meters.0.client(&ClientCall {
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

/// The client span of a call.
fn make_span(kind: Kind<'_>, target: &Target<'_>, id: Option<&str>, exported: bool) -> Span {
    // Unknown (a tonic layer outside the channel that adds the origin):
    // left out.
    let address = Some(target.address()).filter(|a| !a.is_empty());
    let port = address.map(|_| i64::from(target.port()));
    match kind {
        Kind::Http(method) => {
            let known = known_method(method.as_str());
            let method_text = known.unwrap_or("_OTHER");
            let original = known.is_none().then(|| method.as_str());
            let url = target.url();
            if exported {
                tracing::info_span!(
                    "client",
                    otel.name = known.unwrap_or("HTTP"),
                    otel.kind = "client",
                    otel.status_code = Empty,
                    http.request.method = method_text,
                    http.request.method_original = original,
                    server.address = address,
                    server.port = port,
                    url.full = url.as_str(),
                    http.response.status_code = Empty,
                    error.type = Empty,
                    request_id = id,
                )
            } else {
                tracing::info_span!(
                    "client",
                    http.request.method = method_text,
                    http.request.method_original = original,
                    server.address = address,
                    server.port = port,
                    url.full = url.as_str(),
                    http.response.status_code = Empty,
                    error.type = Empty,
                    request_id = id,
                    span_id = Empty,
                )
            }
        }
        #[cfg(feature = "grpc")]
        Kind::Grpc(path) => {
            // The path is the app's own call: named after it when it has
            // the shape of a method.
            let rpc = Rpc::from_path(path);
            let name = rpc.map_or(crate::tracking::grpc::UNKNOWN_NAME, |r| r.name);
            let (service, method) = (rpc.map(|r| r.service), rpc.map(|r| r.method));
            if exported {
                tracing::info_span!(
                    "client",
                    otel.name = name,
                    otel.kind = "client",
                    otel.status_code = Empty,
                    rpc.system = "grpc",
                    rpc.service = service,
                    rpc.method = method,
                    rpc.grpc.status_code = Empty,
                    server.address = address,
                    server.port = port,
                    error.type = Empty,
                    request_id = id,
                )
            } else {
                tracing::info_span!(
                    "client",
                    rpc.system = "grpc",
                    rpc.service = service,
                    rpc.method = method,
                    rpc.grpc.status_code = Empty,
                    server.address = address,
                    server.port = port,
                    error.type = Empty,
                    request_id = id,
                    span_id = Empty,
                )
            }
        }
    }
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
mod tests {
    use super::*;
    use crate::context::Context;
    use crate::trace_context::{TraceParent, TRACEPARENT};

    #[test]
    fn each_call_names_a_span_of_its_own() {
        let uri: Uri = "http://b.internal:4000/stock?x=1".parse().unwrap();
        let (a, b, tc) = Context::new(RequestId::from_static("r-1")).sync_scope(|| {
            let a = OutboundCall::start(&Method::GET, &uri);
            let b = OutboundCall::start(&Method::GET, &uri);
            (
                a.headers().clone(),
                b.headers().clone(),
                TraceContext::current().unwrap(),
            )
        });
        let a = TraceParent::from_header_value(&a[TRACEPARENT]).unwrap();
        let b = TraceParent::from_header_value(&b[TRACEPARENT]).unwrap();
        assert_eq!(a.trace_id, tc.trace_id());
        assert_eq!(b.trace_id, tc.trace_id());
        assert_ne!(a.parent_id, b.parent_id);
        assert_ne!(a.parent_id, tc.span_id());
    }

    #[test]
    fn outside_a_request_a_call_carries_nothing() {
        let call = OutboundCall::start(&Method::GET, &Uri::from_static("http://a/"));
        assert!(call.headers().is_empty());
        assert!(call.ids().is_none());
        call.end(StatusCode::OK);
    }

    #[test]
    fn the_url_keeps_no_query_and_no_credentials() {
        let uri: Uri = "https://user:pw@[::1]:8443/a/b?token=s#f".parse().unwrap();
        let target = Target::of_uri(&uri);
        assert_eq!(target.url(), "https://[::1]:8443/a/b");
        assert_eq!(target.address(), "::1");
        assert_eq!(target.port(), 8443);
        let uri = Uri::from_static("https://example.com/");
        assert_eq!(Target::of_uri(&uri).port(), 443);
    }
}
