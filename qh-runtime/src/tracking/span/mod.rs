//! The one `request` span of a tracked request.
//!
//! Here the span's making, with the incoming trace it continues or links;
//! what it records when the response ends in `completion`.

mod completion;

pub(crate) use completion::{Completion, Ended, Outcome};

use std::time::Instant;

use http::Method;
use tracing::field::Empty;
use tracing::{Level, Span};

use super::grpc::{self, Rpc, Served};
use super::semconv::{self, ServerFields};
use crate::context::export::Exporter;
use crate::context::meter::RequestAttrs;
use crate::context::Resolved;
use crate::id::RequestId;
use crate::support::headers;
use crate::support::text::{cut, ECHO_LIMIT};
use crate::trace_context::{TraceContext, TRACEPARENT};
use completion::{Access, PendingRpc};

/// The trace context of a valid incoming `traceparent`, parsed once per
/// request. Most requests have none: the walk answers that cheaply, and
/// only a request with one line of it is parsed (`from_headers` looks it
/// up again; folding the walk into it cost more on requests without one).
/// Two lines are no trace either way.
pub(crate) fn incoming_trace(headers: &http::HeaderMap) -> Option<TraceContext> {
    headers::single(headers, &TRACEPARENT)?;
    TraceContext::from_headers(headers)
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

/// One `request` span per level (a span's level is part of its static
/// callsite), every field known up front given at creation: each later
/// `record` is a round through every layer. Text fields are given as `&str`
/// (not `%` Display), so formatters write them without `core::fmt`. When the
/// subscriber exports spans, the span also carries the fields
/// `tracing-opentelemetry` reads (`semconv`). Every form names `status`,
/// `latency_ms` and `outcome` fifth to seventh: `Completion::complete`
/// looks for them there first.
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
    /// `route` and `protocol` are asked only when the span or the access
    /// log wants them: with nothing listening, a request pays no route
    /// lookup. `exporter` is the current subscriber's, looked up once by the
    /// request's scope.
    ///
    /// `None` when its completion would record nothing (no span listened
    /// to, no access line): there is then no span to make, keep or drop.
    pub(crate) fn new<'r>(
        config: SpanConfig,
        resolved: &Resolved,
        (method, protocol): (&Method, impl FnOnce() -> RequestAttrs),
        route: impl FnOnce() -> Option<&'r str>,
        grpc_path: Option<&str>,
        incoming: Option<Incoming<'_>>,
        exporter: Option<&Exporter>,
    ) -> Option<Self> {
        let enabled = tracing::level_enabled!(config.level);
        if !enabled && !config.access_log {
            return None;
        }
        let route = route();
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
                    let otel = semconv::server_fields(&method_text, route, protocol());
                    request_span_at!(config.level, id, &*method_text, route, client, otel)
                }
            }
        } else {
            Span::none()
        };
        if span.is_disabled() {
            // Only an access line records: the clock is read for it.
            access.as_ref()?;
            return Some(Self {
                span: Span::none(),
                done: Completion {
                    started: Instant::now(),
                    access,
                    exported: false,
                    rpc: None,
                },
            });
        }
        match (exporter, incoming) {
            (Some(exporter), Some(Incoming::Continue(tc))) => exporter.continue_trace(&span, tc),
            (Some(exporter), Some(Incoming::Link(tc))) => exporter.link(&span, tc),
            _ => {}
        }
        Some(Self {
            span,
            done: Completion {
                started: Instant::now(),
                access,
                exported: exporter.is_some(),
                rpc: pending,
            },
        })
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

#[cfg(test)]
mod tests {
    use http::{Uri, Version};

    use super::completion::tests::with_fields;
    use super::*;

    /// What `Completion::complete` expects of every form.
    fn ends_fifth_to_seventh(fields: &tracing::field::FieldSet) {
        let names: Vec<_> = fields.iter().skip(4).take(3).map(|f| f.name()).collect();
        assert_eq!(names, ["status", "latency_ms", "outcome"]);
    }

    #[test]
    fn every_request_span_names_its_end_fields_fifth_to_seventh() {
        let id = RequestId::from_static("r-1");
        let route = Some("/users/{id}");
        let client: Option<&str> = None;
        with_fields(
            || request_span!(Level::INFO, id, "GET", route, client, plain),
            ends_fifth_to_seventh,
        );
        let rpc: RpcFields<'_> = (Some("pkg.Svc/Call"), Some("pkg.Svc"), Some("Call"));
        with_fields(
            || request_span!(Level::INFO, id, "POST", route, client, grpc rpc),
            ends_fifth_to_seventh,
        );
        let uri = Uri::from_static("/users/7");
        let otel = semconv::server_fields(
            "GET",
            route,
            RequestAttrs::of(&Method::GET, &uri, Version::HTTP_11),
        );
        with_fields(
            || request_span!(Level::INFO, id, "GET", route, client, otel),
            ends_fifth_to_seventh,
        );
    }
}
