//! The request's W3C trace as the context store keeps it: read, or started
//! on first need. (`trace_context` only parses; this is where it meets the
//! store.)

use super::{with_current, Context};
use crate::trace_context::{TraceContext, TraceIds};

impl TraceContext {
    /// The trace context stored in the current request's context, if any.
    #[must_use]
    pub fn current() -> Option<Self> {
        super::get::<Self>()
    }

    /// The current request's trace: the one it came with, or, for a
    /// request that came without a valid `traceparent`, one started now and
    /// kept for the rest of the request (its log lines and outbound calls
    /// then tell one trace). `None` outside a request.
    #[must_use]
    pub fn current_or_start() -> Option<Self> {
        with_current(|c| c.trace_or_start(Self::clone))
    }
}

impl Context {
    /// `f` of the request's trace, started now (and kept) if it has none.
    /// `f` runs with the context's rare part borrowed: it must not reach
    /// the context.
    pub(super) fn trace_or_start<R>(&self, f: impl FnOnce(&TraceContext) -> R) -> R {
        f(self
            .rare_mut()
            .trace
            .get_or_insert_with(TraceContext::new_root))
    }

    /// The IDs of the exported span current here, when the request's
    /// subscriber exports spans (see `export`).
    pub(super) fn exported_ids(&self) -> Option<TraceIds> {
        self.exporter()?.current_ids()
    }
}
