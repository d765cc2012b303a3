//! [`WithIds`]: the request's IDs in front of any other event format's
//! lines (text, compact, pretty…).

use std::fmt;

use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Wraps another [`FormatEvent`] (`tracing_subscriber`'s text formats, or
/// your own) and starts every line emitted inside a request with
/// `request_id=… ` (then `client_request_id=…`, `trace_id=… span_id=…` when
/// known), read from the context store like [`JsonFormat`](super::JsonFormat)
/// does, so it survives filters that drop qh's span. Lines outside a request
/// are the inner format's, untouched.
///
/// ```
/// use tracing_subscriber::fmt::format;
///
/// let subscriber = tracing_subscriber::fmt()
///     .with_env_filter("warn,my_app=info")
///     .event_format(qh::logs::WithIds::new(format().compact()))
///     .finish();
/// // request_id=7d1c… 2026-11-28T19:02:11.123456Z  INFO my_app: order placed order=7
/// # drop(subscriber);
/// ```
#[derive(Clone, Debug, Default)]
pub struct WithIds<F> {
    inner: F,
}

impl<F> WithIds<F> {
    /// `inner`'s lines, prefixed with the request's IDs.
    #[must_use]
    pub fn new(inner: F) -> Self {
        Self { inner }
    }
}

impl<S, N, F> FormatEvent<S, N> for WithIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        if let Some(ids) = crate::context::line_ids() {
            // IDs are validated visible ASCII without spaces: no quoting.
            write!(writer, "request_id={} ", ids.id)?;
            if let Some(client) = &ids.client {
                write!(writer, "client_request_id={client} ")?;
            }
            let trace = ids.trace;
            write!(
                writer,
                "trace_id={} span_id={} ",
                trace.trace_id, trace.span_id
            )?;
        }
        self.inner.format_event(ctx, writer, event)
    }
}
