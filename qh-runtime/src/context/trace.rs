//! The request's W3C trace as the context store keeps it: read, or started
//! on first need, and the IDs a log line inside the request carries.
//! (`trace_context` only parses; this is where it meets the store.)

use super::{with_current, Context};
use crate::id::RequestId;
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
    fn trace_or_start<R>(&self, f: impl FnOnce(&TraceContext) -> R) -> R {
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

    /// The `trace_id`/`span_id` the request's log lines carry: those of the
    /// exported span current here when its subscriber exports spans, else
    /// the request's W3C trace (started on first need).
    fn line_trace_ids(&self) -> TraceIds {
        let exported = self.exported_ids();
        exported.unwrap_or_else(|| self.trace_or_start(TraceContext::ids))
    }
}

/// The IDs every log line inside a request carries.
pub(crate) struct LineIds {
    pub(crate) id: RequestId,
    /// The client's own ID, when incoming IDs are not trusted.
    pub(crate) client: Option<RequestId>,
    /// The exported span's IDs when the request's subscriber exports
    /// spans, else the request's W3C trace (started on first need).
    pub(crate) trace: TraceIds,
}

/// The current request's [`LineIds`], read in one visit of the store;
/// `None` outside a request.
pub(crate) fn line_ids() -> Option<LineIds> {
    with_current(|c| LineIds {
        id: c.id().clone(),
        client: c.client_id().cloned(),
        trace: c.line_trace_ids(),
    })
}

/// The trace IDs a log line emitted here would carry (`LineIds::trace`);
/// `None` outside a request.
pub(crate) fn line_trace_ids() -> Option<TraceIds> {
    with_current(Context::line_trace_ids)
}
