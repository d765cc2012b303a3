//! The one seam a span exporter (the OpenTelemetry integration) enters by:
//! it registers its functions once, when its layer is built, and the core
//! calls them when they are there. No `cfg` point in the core: with nothing
//! registered, the request span is a plain `tracing` span.

use std::sync::OnceLock;

use tracing::Span;

use crate::trace_context::{TraceContext, TraceIds};

/// What an exporter adds to the request span and to outbound calls.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Exporter {
    /// Makes the incoming trace the remote parent of the request span;
    /// called right after the span is made, before it is first entered.
    pub(crate) continue_trace: fn(&Span, &TraceContext),
    /// The IDs of the exported span current here, for the `traceparent`
    /// outbound calls send (the next service's parent is the span that
    /// made the call).
    pub(crate) current_ids: fn() -> Option<TraceIds>,
    /// Renames the exported span of a request span that has started (a
    /// gRPC call is named once its answer shows the app serves it).
    pub(crate) rename: fn(&Span, &str),
}

static EXPORTER: OnceLock<Exporter> = OnceLock::new();

/// Registers the exporter; the first registration stays.
#[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
pub(crate) fn register(exporter: Exporter) {
    let _ = EXPORTER.set(exporter);
}

/// The registered exporter, if any.
#[inline]
pub(crate) fn exporter() -> Option<&'static Exporter> {
    EXPORTER.get()
}
