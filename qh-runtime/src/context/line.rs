//! What a log line inside a request reads from the store (`qh::logs`): the
//! request's IDs, in one visit.

use super::{with_current, Context};
use crate::id::RequestId;
use crate::trace_context::{TraceContext, TraceIds};

impl Context {
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
