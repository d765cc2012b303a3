//! The request's W3C trace as the context store keeps it: read, or started
//! on first need. (`trace_context` only parses; this is where it meets the
//! store.)

use crate::trace_context::TraceContext;

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
        if !super::is_set() {
            return None;
        }
        Some(Self::current().unwrap_or_else(|| {
            let tc = Self::new_root();
            super::insert(tc.clone());
            tc
        }))
    }
}
