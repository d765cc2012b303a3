//! The one seam a span exporter (the OpenTelemetry integration) enters by,
//! registered with the subscriber that uses it rather than with the process.
//!
//! The exporter's `tracing` layer carries an [`ExportHooks`] value and
//! answers `Dispatch::downcast_ref::<ExportHooks>()` with it (the way
//! `tracing-opentelemetry`'s own `WithContext` is found). When a request's
//! context is made, the subscriber current there is asked once; the answer
//! (hooks, and that subscriber) travels in the [`Context`](super::Context),
//! so the request span, log lines and outbound calls read it without asking
//! again. Two subscribers in one process, one exporting and one not, each
//! get their own answer. With no exporter, the request span is a plain
//! `tracing` span and nothing here runs.
//!
//! The answer is kept rather than asked for at each use because `tracing`
//! hands a nested `dispatcher::get_default` the no-op dispatcher while an
//! event is being dispatched under a scoped subscriber: a log formatter
//! asking there would never find the exporter.

use std::fmt;

use tracing::span::Id;
use tracing::{Dispatch, Span};

use crate::trace_context::{TraceContext, TraceIds};

/// What an exporter adds to the request span, log lines and outbound calls;
/// found in the subscriber (see the module docs). Not something to build:
/// the OpenTelemetry layer (`qh::otel::layer`) carries it.
///
/// One reference to functions that live for the program: a request's
/// context, moved with its future and body, carries one pointer of it.
#[derive(Clone, Copy)]
pub struct ExportHooks {
    pub(crate) fns: &'static HookFns,
}

/// The functions of [`ExportHooks`].
pub(crate) struct HookFns {
    /// Makes the incoming trace the remote parent of the request span;
    /// called right after the span is made, before it is first entered.
    pub(crate) continue_trace: fn(&Span, &TraceContext),
    /// Links the request span to an incoming trace it does not continue
    /// (an untrusted peer's); called where `continue_trace` would be.
    pub(crate) link: fn(&Span, &TraceContext),
    /// The exported IDs of span `id` of subscriber `dispatch` (`None` when
    /// it is not exported).
    pub(crate) span_ids: fn(&Dispatch, &Id) -> Option<TraceIds>,
    /// Renames the exported span of a request span that has started (a
    /// gRPC call is named once its answer shows the app serves it).
    pub(crate) rename: fn(&Span, &str),
}

impl fmt::Debug for ExportHooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportHooks").finish_non_exhaustive()
    }
}

/// The exporter a request's context found: the hooks, and the subscriber
/// they were found in (whose spans they read).
#[derive(Clone)]
pub(crate) struct Exporter {
    hooks: ExportHooks,
    dispatch: Dispatch,
}

impl Exporter {
    /// The exporter of the subscriber current here, if it has one. One
    /// lookup through the subscriber's layers: done once per context.
    #[inline]
    pub(crate) fn current() -> Option<Self> {
        if !tracing::dispatcher::has_been_set() {
            // No subscriber was ever set: the no-op one has no exporter.
            return None;
        }
        tracing::dispatcher::get_default(|dispatch| {
            dispatch.downcast_ref::<ExportHooks>().map(|hooks| Self {
                hooks: *hooks,
                dispatch: dispatch.clone(),
            })
        })
    }

    /// Makes `incoming` the remote parent of `span` (before it is entered).
    pub(crate) fn continue_trace(&self, span: &Span, incoming: &TraceContext) {
        (self.hooks.fns.continue_trace)(span, incoming);
    }

    /// Links `span` to `incoming`, a trace it does not continue.
    pub(crate) fn link(&self, span: &Span, incoming: &TraceContext) {
        (self.hooks.fns.link)(span, incoming);
    }

    /// Renames `span`'s exported span, which has already started.
    pub(crate) fn rename(&self, span: &Span, name: &str) {
        (self.hooks.fns.rename)(span, name);
    }

    /// The exported IDs of the innermost span entered here, for log lines
    /// and the `traceparent` of outbound calls (the next service's parent
    /// is the span that made the call). Reads the subscriber's own span
    /// stack, so it also answers while an event is being formatted.
    pub(crate) fn current_ids(&self) -> Option<TraceIds> {
        let current = self.dispatch.current_span();
        (self.hooks.fns.span_ids)(&self.dispatch, current.id()?)
    }

    /// The exported IDs of `span` (an outbound call's client span, which
    /// names itself as the next service's parent).
    pub(crate) fn ids_of(&self, span: &Span) -> Option<TraceIds> {
        (self.hooks.fns.span_ids)(&self.dispatch, &span.id()?)
    }
}

impl fmt::Debug for Exporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exporter")
            .field("dispatch", &self.dispatch)
            .finish_non_exhaustive()
    }
}
