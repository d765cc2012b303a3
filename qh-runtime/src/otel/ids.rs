//! Trace context in and out of a `tracing` span: the incoming W3C parent, and
//! the OpenTelemetry IDs a span was given.

use std::str::FromStr;

use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use tracing::span::Id;
use tracing::Dispatch;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::trace_context::TraceIds;

/// Makes a remote span (an incoming W3C `traceparent`, already parsed) the
/// OpenTelemetry parent of `span`: the exported span continues the caller's
/// trace (`trace_id`) as a child of its span (`parent_span_id`).
///
/// `sampled` is the `traceparent` sampled flag; with the SDK's default
/// parent-based sampler an unsampled parent makes the span (and its
/// children) unsampled, so they are not exported. `tracestate` is the
/// incoming `tracestate` header; a value the SDK cannot parse is dropped
/// (the parent is still set).
///
/// Call it right after creating the span and **before it is first entered**
/// (or before [`ids_of`] is called on it): OpenTelemetry fixes a span's
/// parent when the span starts.
///
/// Returns `true` when the parent was set; `false`, changing nothing, when
/// no OpenTelemetry layer listens to `span` (the feature built in but export
/// off, or the span filtered out), when the span has already started, or
/// when an ID is all zeros (invalid per W3C, so the span starts a new trace).
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
/// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
///
/// let exporter = InMemorySpanExporter::default();
/// let provider = SdkTracerProvider::builder()
///     .with_simple_exporter(exporter.clone())
///     .build();
/// let subscriber = tracing_subscriber::registry()
///     .with(qh::otel::layer(&provider));
///
/// tracing::subscriber::with_default(subscriber, || {
///     let span = qh::otel::server_span("GET", Some("/users/{id}"), "req-1");
///     // traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
///     let trace_id = 0x4bf92f3577b34da6a3ce929d0e0e4736_u128.to_be_bytes();
///     let parent = 0x00f067aa0ba902b7_u64.to_be_bytes();
///     assert!(qh::otel::set_remote_parent(&span, trace_id, parent, true, None));
///     assert_eq!(qh::otel::ids_of(&span).unwrap().trace_id.to_bytes(), trace_id);
/// });
/// ```
pub fn set_remote_parent(
    span: &tracing::Span,
    trace_id: [u8; 16],
    parent_span_id: [u8; 8],
    sampled: bool,
    tracestate: Option<&str>,
) -> bool {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    let state = tracestate
        .and_then(|s| TraceState::from_str(s).ok())
        .unwrap_or_default();
    let remote = SpanContext::new(
        TraceId::from_bytes(trace_id),
        SpanId::from_bytes(parent_span_id),
        flags,
        true,
        state,
    );
    if !remote.is_valid() {
        return false;
    }
    let parent = opentelemetry::Context::new().with_remote_span_context(remote);
    span.set_parent(parent).is_ok()
}

/// The OpenTelemetry IDs of `span`: its trace ID, its own span ID and the
/// sampled flag. `None` when no OpenTelemetry layer listens to it (export
/// off, or the span disabled by a filter).
///
/// This starts the OpenTelemetry span if it has not started yet, which fixes
/// its parent: call [`set_remote_parent`] first.
///
/// # Examples
///
/// ```
/// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
/// use tracing_subscriber::layer::SubscriberExt;
///
/// let exporter = InMemorySpanExporter::default();
/// let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
/// let subscriber = tracing_subscriber::registry().with(qh::otel::layer(&provider));
///
/// tracing::subscriber::with_default(subscriber, || {
///     let span = qh::otel::server_span("POST", Some("/orders"), "req-1");
///     // The trace to look up in the tracing backend, e.g. for a support ticket.
///     let ids = qh::otel::ids_of(&span).unwrap();
///     assert_eq!(ids.trace_id.to_string().len(), 32);
///     assert!(ids.sampled);
/// });
/// // No OpenTelemetry layer: no IDs.
/// assert!(qh::otel::ids_of(&tracing::info_span!("plain")).is_none());
/// ```
pub fn ids_of(span: &tracing::Span) -> Option<TraceIds> {
    if span.is_disabled() {
        return None;
    }
    ids_in(&span.context())
}

/// The exported IDs of span `id` of subscriber `dispatch`: the export hook
/// the request's context calls for log lines and outbound calls (it names
/// the subscriber itself, so it also answers while that subscriber is
/// formatting an event, where `Span::current()` cannot).
pub(crate) fn span_ids(dispatch: &Dispatch, id: &Id) -> Option<TraceIds> {
    ids_in(&tracing_opentelemetry::get_otel_context(id, dispatch)?)
}

/// The IDs of the span of an OpenTelemetry context, when it is a valid one.
fn ids_in(cx: &opentelemetry::Context) -> Option<TraceIds> {
    let otel_span = cx.span();
    let sc = otel_span.span_context();
    if !sc.is_valid() {
        return None;
    }
    Some(TraceIds {
        trace_id: crate::trace_context::TraceId::from_bytes(sc.trace_id().to_bytes())?,
        span_id: crate::trace_context::SpanId::from_bytes(sc.span_id().to_bytes())?,
        sampled: sc.is_sampled(),
    })
}

/// [`ids_of`] the current `tracing` span: inside a request (and in its
/// `qh::spawn`ed tasks) the request span or a span nested in it. `None`
/// outside any span or when OpenTelemetry export is off.
///
/// For logs (`trace_id` / `span_id` fields) and for the `traceparent` of an
/// outbound call ([`TraceIds::traceparent`](crate::trace_context::TraceIds::traceparent)).
///
/// # Examples
///
/// ```
/// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
/// use tracing_subscriber::layer::SubscriberExt;
///
/// /// The `traceparent` a hand-made call (a message to a queue) carries.
/// fn traceparent() -> Option<String> {
///     qh::otel::current_ids().map(|ids| ids.traceparent())
/// }
///
/// let exporter = InMemorySpanExporter::default();
/// let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
/// let subscriber = tracing_subscriber::registry().with(qh::otel::layer(&provider));
/// tracing::subscriber::with_default(subscriber, || {
///     assert_eq!(traceparent(), None); // outside any span
///     let span = qh::otel::server_span("GET", Some("/export"), "req-1");
///     let _entered = span.enter();
///     assert!(traceparent().unwrap().starts_with("00-"));
/// });
/// ```
pub fn current_ids() -> Option<TraceIds> {
    ids_of(&tracing::Span::current())
}
