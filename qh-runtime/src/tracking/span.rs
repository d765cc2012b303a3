//! The one `request` span of a tracked request.

use std::time::Instant;

use http::{Method, StatusCode};
use tracing::field::Empty;
use tracing::{Level, Span};

use super::grpc::{self, Rpc, Served};
use super::semconv::{self, Protocol, ServerFields};
use crate::context::export::Exporter;
use crate::context::Resolved;
use crate::id::RequestId;
use crate::support::text::{cut, ECHO_LIMIT};
use crate::trace_context::{TraceContext, TRACEPARENT};

/// The trace context of a valid incoming `traceparent`, parsed once per
/// request (and only when the header is there).
pub(crate) fn incoming_trace(headers: &http::HeaderMap) -> Option<TraceContext> {
    if headers.contains_key(TRACEPARENT) {
        TraceContext::from_headers(headers)
    } else {
        None
    }
}

/// What a request does with a valid incoming trace: continue it (a
/// trusted peer's), or start a new one linked to it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Incoming<'a> {
    Continue(&'a TraceContext),
    Link(&'a TraceContext),
}

/// The request's incoming trace: `(continued, linked)`, by the peer's trust
/// (see [`Tracking::trust_traces`](crate::Tracking::trust_traces)).
pub(crate) fn split_incoming(
    trace: Option<TraceContext>,
    trusted: bool,
) -> (Option<TraceContext>, Option<TraceContext>) {
    if trusted {
        (trace, None)
    } else {
        (None, trace)
    }
}

/// How a tracked request's span is made: its level, and whether it ends
/// with an access-log event (see [`Tracking::span_level`] and
/// [`Tracking::access_log`](crate::Tracking::access_log)).
///
/// [`Tracking::span_level`]: crate::Tracking::span_level
#[derive(Clone, Copy, Debug)]
pub(crate) struct SpanConfig {
    pub(crate) level: Level,
    pub(crate) access_log: bool,
}

impl Default for SpanConfig {
    fn default() -> Self {
        Self {
            level: Level::INFO,
            access_log: false,
        }
    }
}

/// The span a request runs in, and what its completion records; a disabled
/// span (and no clock read) when nothing listens at its level, so an
/// untraced server pays nothing for it, not even `tracing`'s `log` fallback.
pub(crate) struct RequestSpan {
    pub(crate) span: Span,
    pub(crate) done: Completion,
}

/// How a request's response ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The body was sent to its end.
    Ended,
    /// The body was dropped before its end: the client went away (or a
    /// layer above gave up on the response).
    Aborted,
    /// The body failed (an error frame, or a panic while it was polled).
    Failed,
}

impl Outcome {
    /// The span's and access line's `outcome`; a response sent to its end
    /// records none.
    pub(crate) fn label(self) -> Option<&'static str> {
        match self {
            Self::Ended => None,
            Self::Aborted => Some("aborted"),
            Self::Failed => Some("failed"),
        }
    }
}

/// The statuses a request ended with: the HTTP one, and for a gRPC call
/// its `grpc-status`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Ended {
    pub(crate) http: Option<StatusCode>,
    pub(crate) grpc: Option<u16>,
}

/// What is recorded when the response ends.
pub(crate) struct Completion {
    started: Option<Instant>,
    access: Option<Box<Access>>,
    /// The span is exported: its status is recorded the exporter's way too.
    exported: bool,
    /// A gRPC call whose name waits for the answer (see `grpc`).
    rpc: Option<Box<PendingRpc>>,
}

/// A gRPC call not yet known to be served: its path, whether
/// `rpc.service` is already recorded (the route was the service's), and
/// the exporter that renames its exported span once the answer names it.
struct PendingRpc {
    path: Box<str>,
    service_recorded: bool,
    exporter: Option<Exporter>,
}

/// The access-log event's fields, kept only when it is on.
struct Access {
    id: RequestId,
    method: Method,
    route: Option<Box<str>>,
}

/// One `request` span per level (a span's level is part of its static
/// callsite), every field known up front given at creation: each later
/// `record` is a round through every layer. Text fields are given as `&str`
/// (not `%` Display), so formatters write them without `core::fmt`. When the
/// subscriber exports spans, the span also carries the fields
/// `tracing-opentelemetry` reads (`semconv`).
macro_rules! request_span {
    ($level:expr, $id:expr, $method:expr, $route:expr, $client:expr, plain) => {
        tracing::span!(
            $level,
            "request",
            request_id = $id.as_str(),
            method = $method,
            route = $route,
            client_request_id = $client,
            status = Empty,
            latency_ms = Empty,
            outcome = Empty,
        )
    };
    ($level:expr, $id:expr, $method:expr, $route:expr, $client:expr, grpc $rpc:expr) => {{
        // Each `None` stays empty until the answer names the call.
        let (name, service, rpc_method): RpcFields<'_> = $rpc;
        tracing::span!(
            $level,
            "request",
            request_id = %$id,
            method = %$method,
            route = $route,
            client_request_id = $client,
            status = Empty,
            latency_ms = Empty,
            outcome = Empty,
            otel.name = name,
            otel.kind = "server",
            otel.status_code = Empty,
            rpc.system = "grpc",
            rpc.service = service,
            rpc.method = rpc_method,
            rpc.grpc.status_code = Empty,
        )
    }};
    ($level:expr, $id:expr, $method:expr, $route:expr, $client:expr, $otel:expr) => {{
        let ServerFields { name, method: http_method, method_original, scheme, version } = $otel;
        tracing::span!(
            $level,
            "request",
            request_id = $id.as_str(),
            method = $method,
            route = $route,
            client_request_id = $client,
            status = Empty,
            latency_ms = Empty,
            outcome = Empty,
            otel.name = %name,
            otel.kind = "server",
            otel.status_code = Empty,
            http.request.method = http_method,
            http.request.method_original = method_original,
            http.route = $route,
            http.response.status_code = Empty,
            url.scheme = scheme,
            network.protocol.version = version,
            error.type = Empty,
        )
    }};
}

/// [`request_span!`] at the configured level.
macro_rules! request_span_at {
    ($level:expr, $($rest:tt)*) => {
        match $level {
            Level::ERROR => request_span!(Level::ERROR, $($rest)*),
            Level::WARN => request_span!(Level::WARN, $($rest)*),
            Level::INFO => request_span!(Level::INFO, $($rest)*),
            Level::DEBUG => request_span!(Level::DEBUG, $($rest)*),
            Level::TRACE => request_span!(Level::TRACE, $($rest)*),
        }
    };
}

impl RequestSpan {
    /// Fields: `request_id`, `method`, `route` (the template, never the raw
    /// path, and bounded), `client_request_id` when incoming IDs are not
    /// trusted; `status` and `latency_ms` on completion.
    ///
    /// With the `opentelemetry` feature it is also the OpenTelemetry server
    /// span (the semantic conventions' `http.request.method`, `http.route`,
    /// `http.response.status_code`, named `"{METHOD} {route}"`), whose
    /// parent is the incoming `traceparent`'s when it is continued, and
    /// which links to it when it is not (an untrusted peer's).
    ///
    /// A gRPC call (`grpc_path`, its request path) is an RPC span instead,
    /// named from what the app serves (see `grpc`): at once when the route
    /// is the method's, else when [`Completion::rpc_answered`] learns it.
    ///
    /// `route` is asked only when the span or the access log wants it: with
    /// nothing listening, a request pays no route lookup. `exporter` is the
    /// current subscriber's, looked up once by the request's scope.
    pub(crate) fn new<'r>(
        config: SpanConfig,
        resolved: &Resolved,
        (method, protocol): (&Method, Protocol),
        route: impl FnOnce() -> Option<&'r str>,
        grpc_path: Option<&str>,
        incoming: Option<Incoming<'_>>,
        exporter: Option<&Exporter>,
    ) -> Self {
        let enabled = tracing::level_enabled!(config.level);
        let route = if enabled || config.access_log {
            route()
        } else {
            None
        };
        let access = config.access_log.then(|| {
            Box::new(Access {
                id: resolved.id().clone(),
                method: method.clone(),
                route: route.map(|r| cut(r, ECHO_LIMIT).into()),
            })
        });
        let mut pending = None;
        let span = if enabled {
            let id = resolved.id();
            let method_text = cut(method.as_str(), ECHO_LIMIT);
            // Which calls a gRPC route serves is read off the template
            // itself, not a shortened copy.
            let served = grpc_path.map(|path| grpc::served(path, route));
            let route = route.map(|r| cut(r, ECHO_LIMIT));
            let route = route.as_deref();
            let client = resolved.client_id().map(RequestId::as_str);
            match (served, exporter) {
                (Some(served), _) => {
                    let (fields, waits) = rpc_fields(served, exporter);
                    pending = waits;
                    request_span_at!(config.level, id, &*method_text, route, client, grpc fields)
                }
                (None, None) => {
                    request_span_at!(config.level, id, &*method_text, route, client, plain)
                }
                (None, Some(_)) => {
                    let otel = semconv::server_fields(&method_text, route, protocol);
                    request_span_at!(config.level, id, &*method_text, route, client, otel)
                }
            }
        } else {
            Span::none()
        };
        if span.is_disabled() {
            let started = access.is_some().then(Instant::now);
            return Self {
                span: Span::none(),
                done: Completion {
                    started,
                    access,
                    exported: false,
                    rpc: None,
                },
            };
        }
        match (exporter, incoming) {
            (Some(exporter), Some(Incoming::Continue(tc))) => exporter.continue_trace(&span, tc),
            (Some(exporter), Some(Incoming::Link(tc))) => exporter.link(&span, tc),
            _ => {}
        }
        Self {
            span,
            done: Completion {
                started: Some(Instant::now()),
                access,
                exported: exporter.is_some(),
                rpc: pending,
            },
        }
    }
}

/// A gRPC span's `otel.name`, `rpc.service` and `rpc.method`, each `None`
/// until known.
type RpcFields<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);

/// A gRPC span's fields as far as `served` knows them now, and what waits
/// for the answer.
fn rpc_fields<'a>(
    served: Served<'a>,
    exporter: Option<&Exporter>,
) -> (RpcFields<'a>, Option<Box<PendingRpc>>) {
    let pending = |rpc: Rpc<'_>, service_recorded| {
        Some(Box::new(PendingRpc {
            path: format!("/{}", rpc.name).into(),
            service_recorded,
            exporter: exporter.cloned(),
        }))
    };
    match served {
        Served::Method(rpc) => ((Some(rpc.name), Some(rpc.service), Some(rpc.method)), None),
        Served::Service(rpc) => ((None, Some(rpc.service), None), pending(rpc, true)),
        Served::Unrouted(rpc) => ((None, None, None), pending(rpc, false)),
        Served::No => ((Some(grpc::UNKNOWN_NAME), None, None), None),
    }
}

impl Completion {
    /// Whether completing records anything: a span listened to, or an
    /// access line (no clock was read otherwise).
    pub(crate) fn records(&self) -> bool {
        self.started.is_some()
    }

    /// A gRPC call's answer head: whether it shows the app served the
    /// call ([`grpc::answer_serves`]). Names a span still waiting for it:
    /// after its method when served, else with the shared name.
    pub(crate) fn rpc_answered(&mut self, span: &Span, served: bool) {
        let Some(pending) = self.rpc.take() else {
            return;
        };
        let rpc = served.then(|| Rpc::from_path(&pending.path)).flatten();
        let name = match rpc {
            Some(rpc) => {
                if !pending.service_recorded {
                    span.record("rpc.service", rpc.service);
                }
                span.record("rpc.method", rpc.method);
                rpc.name
            }
            None => grpc::UNKNOWN_NAME,
        };
        span.record("otel.name", name);
        // The exported span has started (its name was read then): it is
        // renamed through the exporter.
        if let Some(exporter) = &pending.exporter {
            exporter.rename(span, name);
        }
    }

    /// Records how the request ended on `span` (its status, its latency up
    /// to the body's end, and an `outcome` when the body did not end
    /// normally), and logs the access event when it is on.
    pub(crate) fn complete(mut self, span: &Span, status: Ended, outcome: Outcome) {
        let Ended { http: status, grpc } = status;
        let Some(started) = self.started else {
            return;
        };
        // No answer head was seen (the client left first, the service
        // failed): nothing showed the call served.
        self.rpc_answered(span, false);
        let latency_ms = started.elapsed().as_secs_f64() * 1_000.0;
        let label = outcome.label();
        if let Some(meta) = span.metadata() {
            // One `record` for every field (see `request_span!`).
            let fields = meta.fields();
            let (status_field, latency_field, outcome_field) = (
                fields.field("status"),
                fields.field("latency_ms"),
                fields.field("outcome"),
            );
            if let (Some(s), Some(l), Some(o)) = (&status_field, &latency_field, &outcome_field) {
                let status = status.map(|s| s.as_u16());
                span.record_all(&fields.value_set(&[
                    (s, status.as_ref().map(|s| s as &dyn tracing::Value)),
                    (l, Some(&latency_ms as &dyn tracing::Value)),
                    (o, label.as_ref().map(|l| l as &dyn tracing::Value)),
                ]));
            }
            if let (true, Some(status)) = (self.exported, status) {
                semconv::record_status(span, status.as_u16());
            }
            if let Some(code) = grpc {
                span.record("rpc.grpc.status_code", code);
                if grpc::is_server_error(code) {
                    span.record("otel.status_code", "error");
                }
            }
        }
        if let Some(access) = self.access {
            // A root event: the line carries every field itself, so a
            // formatter does not write the request span's again beside them
            // (the request's context, current here, still gives qh::logs
            // lines their IDs).
            tracing::info!(
                target: "qh::access",
                parent: None,
                request_id = access.id.as_str(),
                method = &*cut(access.method.as_str(), ECHO_LIMIT),
                route = access.route.as_deref(),
                status = status.map(|s| s.as_u16()),
                grpc_status = grpc,
                latency_ms,
                outcome = label,
                message = "request completed",
            );
        }
    }
}
