//! The request span, with the fields of the OpenTelemetry semantic
//! conventions for HTTP servers.

use opentelemetry::trace::TraceContextExt;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::tracking::semconv::{self, known_method, SpanName};

/// Creates the per-request `INFO` span named `request`, with the fields that
/// `tracing-opentelemetry` turns into an OpenTelemetry server span:
///
/// | field | exported as |
/// | --- | --- |
/// | `otel.name` = `"{METHOD} {route}"` (`"{METHOD}"` without a route) | the span name |
/// | `otel.kind` = `"server"` | the span kind |
/// | `http.request.method` | attribute; `_OTHER` for a non-standard method |
/// | `http.request.method_original` | attribute, only for a non-standard method |
/// | `http.route` | attribute: the route *template* (`/users/{id}`), never the raw path; absent when no route matched |
/// | `request_id` | attribute: qh's tracking ID |
/// | `http.response.status_code` | attribute, once [`record_status`] is called |
/// | `otel.status_code`, `error.type` | the span status `ERROR` and the status code as `error.type` for a 5xx, via [`record_status`] |
///
/// `route` is the matched template as axum reports it
/// (`axum::extract::MatchedPath`), `None` for a request no route matched
/// (the semantic conventions then leave `http.route` out and name the span by
/// its method alone, to keep span names low-cardinality).
///
/// The span is a plain `tracing` span: without an OpenTelemetry layer it
/// behaves like any other (fmt layers print its fields), and when nothing
/// listens at `INFO` it is disabled and costs nothing further.
///
/// ```
/// let span = qh::otel::server_span("GET", Some("/users/{id}"), "req-1");
/// let _entered = span.enter();
/// // ... handle the request ...
/// qh::otel::record_status(&span, 200);
/// ```
pub fn server_span(method: &str, route: Option<&str>, request_id: &str) -> tracing::Span {
    server_span_at(tracing::Level::INFO, method, route, request_id)
}

/// [`server_span`] at another level, for a request span whose level is
/// configurable: the span is created only when something listens at
/// `level`, so a `RUST_LOG` of `warn` turns a `DEBUG` request span (and its
/// export) off.
///
/// ```
/// let span = qh::otel::server_span_at(tracing::Level::DEBUG, "GET", None, "req-1");
/// assert!(span.is_disabled()); // no subscriber listens here
/// ```
pub fn server_span_at(
    level: tracing::Level,
    method: &str,
    route: Option<&str>,
    request_id: &str,
) -> tracing::Span {
    let known = known_method(method);
    let name = SpanName {
        method: known.unwrap_or("HTTP"),
        route,
    };
    let method_original = known.is_none().then_some(method);
    let method = known.unwrap_or("_OTHER");
    // A span's level is part of its static callsite, hence one macro call
    // per level. Everything is known up front: recording it at creation
    // skips a round of `record` calls through every layer.
    macro_rules! span {
        ($level:expr) => {
            tracing::span!(
                $level,
                "request",
                otel.name = %name,
                otel.kind = "server",
                otel.status_code = Empty,
                http.request.method = method,
                http.request.method_original = method_original,
                http.route = route,
                http.response.status_code = Empty,
                error.type = Empty,
                request_id = request_id,
            )
        };
    }
    match level {
        tracing::Level::ERROR => span!(tracing::Level::ERROR),
        tracing::Level::WARN => span!(tracing::Level::WARN),
        tracing::Level::INFO => span!(tracing::Level::INFO),
        tracing::Level::DEBUG => span!(tracing::Level::DEBUG),
        tracing::Level::TRACE => span!(tracing::Level::TRACE),
    }
}

/// Records the matched route on a span made by [`server_span`] with no
/// route, for a request layer that runs before routing (as `Router::layer`
/// does) and learns the template only inside: `http.route`, and the span
/// name becomes `"{METHOD} {route}"`.
///
/// Unlike the `otel.name` field, which `tracing-opentelemetry` reads only
/// until the span starts (its first `enter`), this renames the OpenTelemetry
/// span at any time before it ends. Call it once; `method` is the request
/// method as given to [`server_span`].
///
/// ```
/// let span = qh::otel::server_span("GET", None, "req-1");
/// let _entered = span.enter();
/// // ... routing matched `/users/{id}` ...
/// qh::otel::record_route(&span, "GET", "/users/{id}");
/// ```
pub fn record_route(span: &tracing::Span, method: &str, route: &str) {
    span.record("http.route", route);
    if span.is_disabled() {
        return;
    }
    let name = SpanName {
        method: known_method(method).unwrap_or("HTTP"),
        route: Some(route),
    };
    // Without an OpenTelemetry layer this is a no-op span: nothing to name.
    span.context().span().update_name(name.to_string());
}

/// Renames the OpenTelemetry span of qh's request span after it started
/// (registered with the core as the exporter's `rename`: a gRPC call is
/// named once its answer shows the app serves the method, and `otel.name`
/// is read only until the span starts).
pub(crate) fn rename(span: &tracing::Span, name: &str) {
    if !span.is_disabled() {
        span.context().span().update_name(name.to_owned());
    }
}

/// Records the response status on a span made by [`server_span`]:
/// `http.response.status_code`, and for a 5xx the span status `ERROR` and
/// `error.type` (for a server span the conventions leave 4xx unset: the
/// client erred, not the server).
///
/// # Examples
///
/// ```
/// use opentelemetry::trace::Status;
/// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
/// use tracing_subscriber::layer::SubscriberExt;
///
/// let exporter = InMemorySpanExporter::default();
/// let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
/// let subscriber = tracing_subscriber::registry().with(qh::otel::layer(&provider));
/// tracing::subscriber::with_default(subscriber, || {
///     let ok = qh::otel::server_span("GET", Some("/users/{id}"), "req-1");
///     qh::otel::record_status(&ok, 404); // the client's mistake: no error
///     drop(ok);
///     let failed = qh::otel::server_span("GET", Some("/users/{id}"), "req-2");
///     qh::otel::record_status(&failed, 503);
/// });
/// let spans = exporter.get_finished_spans().unwrap();
/// assert_eq!(spans[0].status, Status::Unset);
/// assert!(matches!(spans[1].status, Status::Error { .. }));
/// ```
pub fn record_status(span: &tracing::Span, status: u16) {
    semconv::record_status(span, status);
}

/// Makes the incoming `traceparent`'s span the remote parent of qh's
/// request span (the export hook `continue_trace` the OpenTelemetry layer
/// carries). Called right after the span is created and before it
/// is first entered (the parent is fixed when it starts).
pub(crate) fn continue_trace(span: &tracing::Span, tc: &crate::trace_context::TraceContext) {
    if let Some(parent) = tc.parent_id() {
        super::set_remote_parent(
            span,
            tc.trace_id().to_bytes(),
            parent.to_bytes(),
            tc.sampled(),
            tc.tracestate().map(|ts| ts.as_str()),
        );
    }
}

/// Links qh's request span to an incoming trace it does not continue (an
/// untrusted peer's, see `Tracking::trust_traces`): the export hook `link`.
/// The span stays a new root; the link keeps the caller's span context
/// (its `tracestate` left out: it is the peer's, and not trusted).
pub(crate) fn link(span: &tracing::Span, tc: &crate::trace_context::TraceContext) {
    use opentelemetry::trace::{SpanContext, TraceFlags, TraceState};
    let Some(parent) = tc.parent_id() else {
        return;
    };
    let flags = if tc.sampled() {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    span.add_link(SpanContext::new(
        opentelemetry::trace::TraceId::from_bytes(tc.trace_id().to_bytes()),
        opentelemetry::trace::SpanId::from_bytes(parent.to_bytes()),
        flags,
        true,
        TraceState::default(),
    ));
}
