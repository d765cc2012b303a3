//! [`JsonFormat`]: one JSON object per event, with the request's IDs taken
//! from the context store at the moment the event is formatted.

use std::fmt;
use std::time::SystemTime;

use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::{LookupSpan, SpanRef};

use super::json;

/// A [`FormatEvent`] for `tracing_subscriber::fmt` writing each event as one
/// JSON line that carries `request_id` (and `client_request_id`, `trace_id`,
/// `span_id` when known) whenever the event is emitted inside a request —
/// whether or not the request's span passed the subscriber's filter.
///
/// A line looks like this (`spans`/`span` only when spans were enabled):
///
/// ```text
/// {"timestamp":"2026-11-28T19:02:11.123456Z","level":"INFO","target":"shop::orders",
///  "request_id":"c0ffee-42","trace_id":"4bf9…4736","span_id":"9a1c…",
///  "fields":{"message":"order placed","order":7},
///  "spans":[{"name":"request","request_id":"c0ffee-42","method":"POST","path":"/orders"}],
///  "span":{"name":"request",…}}
/// ```
///
/// Span fields are copied as recorded, so use it with qh's
/// [`JsonFields`](super::JsonFields) (as [`layer`](super::layer) and
/// [`json`](super::json()) do) or `tracing-subscriber`'s; with another field
/// formatter spans show their names only.
///
/// ```
/// use qh::logs::JsonFields;
/// use tracing_subscriber::prelude::*;
///
/// // Your own subscriber, qh's event format.
/// let subscriber = tracing_subscriber::registry()
///     .with(tracing_subscriber::EnvFilter::new("warn,my_app=info"))
///     .with(
///         tracing_subscriber::fmt::layer()
///             .fmt_fields(JsonFields::new())
///             .event_format(qh::logs::JsonFormat::new()),
///     );
/// # drop(subscriber);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct JsonFormat {
    timestamp: bool,
    spans: bool,
    field_limit: usize,
}

/// The longest text value of an event field [`JsonFormat`] writes by
/// default, in bytes (16 KiB).
///
/// # Examples
///
/// ```
/// use qh::logs::{JsonFormat, DEFAULT_FIELD_LIMIT};
///
/// // An app that logs whole (large) payloads at debug level.
/// let subscriber = qh::logs::json()
///     .format(JsonFormat::new().field_limit(4 * DEFAULT_FIELD_LIMIT))
///     .finish();
/// tracing::subscriber::with_default(subscriber, || tracing::debug!(payload = "…", "received"));
/// ```
pub const DEFAULT_FIELD_LIMIT: usize = 16 * 1024;

impl Default for JsonFormat {
    fn default() -> Self {
        Self::new()
    }
}

impl JsonFormat {
    /// Timestamps (RFC 3339, UTC) and the event's spans included; text
    /// fields cut at [`DEFAULT_FIELD_LIMIT`] bytes.
    #[must_use]
    pub fn new() -> Self {
        Self {
            timestamp: true,
            spans: true,
            field_limit: DEFAULT_FIELD_LIMIT,
        }
    }

    /// The most bytes of text one event field may write (default
    /// [`DEFAULT_FIELD_LIMIT`]); a longer value (a string, a `Display`ed or
    /// `Debug`ed value, an error) is cut at a character boundary and ends
    /// with `… [+N bytes]`, so a huge value logged by a handler (a request
    /// body, a path parameter) cannot make a huge line. qh's own fields are
    /// bounded already; span fields are written by the field formatter
    /// (`JsonFields`) and are not cut. `usize::MAX` turns the cap off.
    ///
    /// ```
    /// let format = qh::logs::JsonFormat::new().field_limit(2048);
    /// ```
    #[must_use]
    pub fn field_limit(mut self, bytes: usize) -> Self {
        self.field_limit = bytes;
        self
    }

    /// Whether lines start with a `timestamp` (default `true`; turn it off
    /// when the log collector stamps lines itself).
    #[must_use]
    pub fn timestamp(mut self, on: bool) -> Self {
        self.timestamp = on;
        self
    }

    /// Whether lines carry the enabled spans the event is in, as `spans`
    /// (root first) and `span` (innermost) (default `true`). The request's
    /// IDs do not depend on this.
    #[must_use]
    pub fn spans(mut self, on: bool) -> Self {
        self.spans = on;
        self
    }
}

impl<S, N> FormatEvent<S, N> for JsonFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        json::buffered(&mut writer, |w| self.write_line(ctx, w, event))
    }
}

impl JsonFormat {
    /// One event's line, `\n` included.
    fn write_line<S, N>(
        &self,
        ctx: &FmtContext<'_, S, N>,
        w: &mut String,
        event: &Event<'_>,
    ) -> fmt::Result
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
        N: for<'a> FormatFields<'a> + 'static,
    {
        w.push('{');
        if self.timestamp {
            w.push_str("\"timestamp\":\"");
            super::timestamp::timestamp(w, SystemTime::now())?;
            w.push_str("\",");
        }
        let meta = event.metadata();
        // The keys and the level's names need no escaping.
        w.push_str("\"level\":\"");
        w.push_str(meta.level().as_str());
        w.push_str("\",\"target\":");
        json::string(w, meta.target())?;
        super::write_context_fields(w)?;
        w.push_str(",\"fields\":{");
        let mut fields = json::Fields::new(w, self.field_limit);
        event.record(&mut fields);
        fields.finish()?;
        w.push('}');
        if self.spans {
            if let Some(scope) = ctx.event_scope() {
                let mut leaf = None;
                w.push_str(",\"spans\":[");
                for (i, span) in scope.from_root().enumerate() {
                    if i > 0 {
                        w.push(',');
                    }
                    write_span::<S, N>(w, &span)?;
                    leaf = Some(span);
                }
                w.push(']');
                if let Some(span) = leaf {
                    w.push_str(",\"span\":");
                    write_span::<S, N>(w, &span)?;
                }
            }
        }
        w.push_str("}\n");
        Ok(())
    }
}

/// `{"name":…,<the span's fields>}`; the fields are spliced in as recorded
/// when the field formatter produced a JSON object, left out otherwise.
fn write_span<S, N>(w: &mut String, span: &SpanRef<'_, S>) -> fmt::Result
where
    S: for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    w.push('{');
    w.push_str("\"name\":");
    json::string(w, span.name())?;
    let ext = span.extensions();
    if let Some(recorded) = ext.get::<FormattedFields<N>>() {
        let s = recorded.fields.as_str();
        if let Some(inner) = s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if !inner.trim().is_empty() {
                w.push(',');
                w.push_str(inner);
            }
        }
    }
    w.push('}');
    Ok(())
}
