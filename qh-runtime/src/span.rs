//! The one `request` span of a tracked request.

use std::time::Instant;

use http::{Method, StatusCode};
use tracing::field::Empty;
use tracing::Span;

use crate::resolve::Resolved;
use crate::text::{cut, ECHO_LIMIT};
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

/// The span a request runs in, with its start for `latency_ms`; a disabled
/// span (and no clock read) when nothing listens at INFO, so an untraced
/// server pays nothing for it, not even `tracing`'s `log` fallback.
pub(crate) struct RequestSpan {
    pub(crate) span: Span,
    started: Option<Instant>,
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
    pub(crate) fn new(
        resolved: &Resolved,
        method: &Method,
        route: Option<&str>,
        incoming: Option<&TraceContext>,
    ) -> Self {
        if !tracing::level_enabled!(tracing::Level::INFO) {
            return Self::none();
        }
        #[cfg(not(feature = "opentelemetry"))]
        let span = tracing::info_span!(
            "request",
            request_id = %resolved.id(),
            method = %cut(method.as_str(), ECHO_LIMIT),
            route = Empty,
            client_request_id = Empty,
            status = Empty,
            latency_ms = Empty,
        );
        #[cfg(feature = "opentelemetry")]
        let span = tracing::info_span!(
            "request",
            request_id = %resolved.id(),
            method = %cut(method.as_str(), ECHO_LIMIT),
            route = Empty,
            client_request_id = Empty,
            status = Empty,
            latency_ms = Empty,
            otel.name = Empty,
            otel.kind = "server",
            otel.status_code = Empty,
            http.request.method = Empty,
            http.request.method_original = Empty,
            http.route = Empty,
            http.response.status_code = Empty,
        );
        if span.is_disabled() {
            return Self::none();
        }
        #[cfg(feature = "opentelemetry")]
        crate::otel::request_span_opened(&span, method.as_str(), route, incoming);
        #[cfg(not(feature = "opentelemetry"))]
        let _ = incoming;
        if let Some(route) = route {
            span.record("route", &*cut(route, ECHO_LIMIT));
        }
        if let Some(client) = resolved.client_id() {
            span.record("client_request_id", client.as_str());
        }
        Self {
            span,
            started: Some(Instant::now()),
        }
    }

    pub(crate) fn none() -> Self {
        Self {
            span: Span::none(),
            started: None,
        }
    }

    /// Records how the request ended.
    pub(crate) fn complete(span: &Span, started: Option<Instant>, status: StatusCode) {
        if let Some(started) = started {
            span.record("status", status.as_u16());
            #[cfg(feature = "opentelemetry")]
            crate::otel::record_status(span, status.as_u16());
            span.record("latency_ms", started.elapsed().as_secs_f64() * 1_000.0);
        }
    }

    pub(crate) fn into_parts(self) -> (Span, Option<Instant>) {
        (self.span, self.started)
    }
}
