//! The one `request` span of a tracked request.

use std::time::Instant;

use http::{Method, StatusCode};
use tracing::field::Empty;
use tracing::{Level, Span};

use crate::resolve::Resolved;
use crate::text::{cut, ECHO_LIMIT};
use crate::trace_context::{TraceContext, TRACEPARENT};
use crate::RequestId;

/// The trace context of a valid incoming `traceparent`, parsed once per
/// request (and only when the header is there).
pub(crate) fn incoming_trace(headers: &http::HeaderMap) -> Option<TraceContext> {
    if headers.contains_key(TRACEPARENT) {
        TraceContext::from_headers(headers)
    } else {
        None
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

/// What is recorded when the response is ready.
pub(crate) struct Completion {
    started: Option<Instant>,
    access: Option<Box<Access>>,
}

/// The access-log event's fields, kept only when it is on.
struct Access {
    id: RequestId,
    method: Method,
    route: Option<Box<str>>,
}

/// One `request` span per level (a span's level is part of its static
/// callsite), every field known up front given at creation: each later
/// `record` is a round through every layer (a JSON formatter re-parses the
/// span's fields on each).
macro_rules! request_span {
    ($level:expr, $id:expr, $method:expr, $route:expr, $client:expr, $otel:expr) => {{
        #[cfg(not(feature = "opentelemetry"))]
        let span = {
            let _ = $otel;
            tracing::span!(
            $level,
            "request",
            request_id = %$id,
            method = %$method,
            route = $route,
            client_request_id = $client,
            status = Empty,
            latency_ms = Empty,
            )
        };
        #[cfg(feature = "opentelemetry")]
        let span = {
            let (name, http_method, method_original) = $otel;
            tracing::span!(
                $level,
                "request",
                request_id = %$id,
                method = %$method,
                route = $route,
                client_request_id = $client,
                status = Empty,
                latency_ms = Empty,
                otel.name = %name,
                otel.kind = "server",
                otel.status_code = Empty,
                http.request.method = http_method,
                http.request.method_original = method_original,
                http.route = $route,
                http.response.status_code = Empty,
            )
        };
        span
    }};
}

impl RequestSpan {
    /// Fields: `request_id`, `method`, `route` (the template, never the raw
    /// path, and bounded), `client_request_id` when incoming IDs are not
    /// trusted; `status` and `latency_ms` on completion.
    ///
    /// With the `opentelemetry` feature it is also the OpenTelemetry server
    /// span (the semantic conventions' `http.request.method`, `http.route`,
    /// `http.response.status_code`, named `"{METHOD} {route}"`), whose
    /// parent is the incoming `traceparent`'s.
    ///
    /// `route` is asked only when the span or the access log wants it: with
    /// nothing listening, a request pays no route lookup.
    pub(crate) fn new<'r>(
        config: SpanConfig,
        resolved: &Resolved,
        method: &Method,
        route: impl FnOnce() -> Option<&'r str>,
        incoming: Option<&TraceContext>,
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
        let span = if enabled {
            let id = resolved.id();
            let method_text = cut(method.as_str(), ECHO_LIMIT);
            let route = route.map(|r| cut(r, ECHO_LIMIT));
            let route = route.as_deref();
            let client = resolved.client_id().map(RequestId::as_str);
            #[cfg(feature = "opentelemetry")]
            let otel = crate::otel::request_span_fields(&method_text, route);
            #[cfg(not(feature = "opentelemetry"))]
            let otel = std::marker::PhantomData::<()>;
            match config.level {
                Level::ERROR => request_span!(Level::ERROR, id, method_text, route, client, otel),
                Level::WARN => request_span!(Level::WARN, id, method_text, route, client, otel),
                Level::INFO => request_span!(Level::INFO, id, method_text, route, client, otel),
                Level::DEBUG => request_span!(Level::DEBUG, id, method_text, route, client, otel),
                Level::TRACE => request_span!(Level::TRACE, id, method_text, route, client, otel),
            }
        } else {
            Span::none()
        };
        if span.is_disabled() {
            let started = access.is_some().then(Instant::now);
            return Self {
                span: Span::none(),
                done: Completion { started, access },
            };
        }
        #[cfg(feature = "opentelemetry")]
        crate::otel::request_span_opened(&span, incoming);
        #[cfg(not(feature = "opentelemetry"))]
        let _ = incoming;
        Self {
            span,
            done: Completion {
                started: Some(Instant::now()),
                access,
            },
        }
    }

    pub(crate) fn into_parts(self) -> (Span, Completion) {
        (self.span, self.done)
    }
}

impl Completion {
    /// Records how the request ended on `span`, and logs the access event
    /// when it is on.
    pub(crate) fn complete(self, span: &Span, status: StatusCode) {
        let Some(started) = self.started else {
            return;
        };
        let latency_ms = started.elapsed().as_secs_f64() * 1_000.0;
        if let Some(meta) = span.metadata() {
            // One `record` for both fields (see `request_span!`).
            let fields = meta.fields();
            let (status_field, latency_field) =
                (fields.field("status"), fields.field("latency_ms"));
            if let (Some(s), Some(l)) = (&status_field, &latency_field) {
                let status = status.as_u16();
                span.record_all(&fields.value_set(&[
                    (s, Some(&status as &dyn tracing::Value)),
                    (l, Some(&latency_ms as &dyn tracing::Value)),
                ]));
            }
            #[cfg(feature = "opentelemetry")]
            crate::otel::record_status(span, status.as_u16());
        }
        if let Some(access) = self.access {
            span.in_scope(|| {
                tracing::info!(
                    target: "qh::access",
                    request_id = %access.id,
                    method = %cut(access.method.as_str(), ECHO_LIMIT),
                    route = access.route.as_deref(),
                    status = status.as_u16(),
                    latency_ms,
                    "request completed"
                );
            });
        }
    }
}
