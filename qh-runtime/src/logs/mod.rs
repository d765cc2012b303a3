//! qh's `tracing-subscriber` integration: every log event emitted inside a
//! request carries its `request_id`, whatever the subscriber's filter.
//!
//! The request's `tracing` span has target `qh_runtime`, so a filter such as
//! `RUST_LOG="warn,shop=info"` (your app at INFO, dependencies at WARN)
//! drops it, and with it every span field. This module does not rely on
//! spans: it reads the IDs from qh's context store when each event is
//! formatted (`tracing-subscriber`'s `fmt` formats on the thread that emits
//! the event, inside the request's task), so lines from handlers, from
//! plain functions they call and from [`qh::spawn`](crate::spawn)ed work all
//! carry them.
//!
//! One line of set-up, honouring `RUST_LOG` (default `info`):
//!
//! ```no_run
//! qh::logs::json().init();
//! ```
//!
//! gives lines like
//!
//! ```text
//! {"timestamp":"2026-11-28T19:02:11.123456Z","level":"INFO","target":"shop","request_id":"7d1c…","trace_id":"4bf9…","span_id":"a3ce…","fields":{"message":"order placed","order":7}}
//! ```
//!
//! With a subscriber of your own, use [`layer`] (a `fmt` layer) or
//! [`JsonFormat`] (the event format alone, with [`JsonFields`] for span
//! fields); for text lines, wrap any format in [`WithIds`].
//!
//! Fields added to each line inside a request:
//!
//! | field | from |
//! | --- | --- |
//! | `request_id` | [`qh::request_id()`](crate::request_id()) |
//! | `client_request_id` | [`context::client_request_id`](crate::context::client_request_id), when incoming IDs are not trusted and the client sent one |
//! | `trace_id`, `span_id` | [`trace_ids`]: the exported span's when the subscriber exports (the OpenTelemetry layer), else the request's [`TraceContext`] |
//!
//! # Limitations
//!
//! The IDs come from the context of the task or thread that emits the
//! event: work moved to a plain `std::thread`, `tokio::task::spawn_blocking`
//! or a rayon pool logs without them unless it runs inside
//! [`Context::sync_scope`](crate::context::Context::sync_scope) (use
//! [`qh::spawn`](crate::spawn) for async work). Writers that defer the write
//! (`tracing-appender`'s non-blocking writer) are fine: the line is formatted
//! before it is handed over.
//!
//! # Integration points
//!
//! - The OpenTelemetry layer carries qh's export hooks; the request's scope
//!   finds them in the subscriber current when it opens, once per request,
//!   and lines carry the exported span's IDs from then on. With no such
//!   layer (or outside its spans) lines carry the W3C [`TraceContext`]
//!   stored in the request's context. Nothing is registered per process:
//!   two subscribers in one process each get their own answer.
//! - The `Tracking` layer stores the request's `TraceContext` in the context
//!   (the `Tracking` layer and endpoints keep it).
//!
//! [`TraceContext`]: crate::trace_context::TraceContext

mod escape;
mod fields;
mod format;
mod json;
mod text;
mod timestamp;

use std::fmt;
use std::io;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::{SubscriberInitExt, TryInitError};
use tracing_subscriber::EnvFilter;

pub use fields::JsonFields;
pub use format::{JsonFormat, DEFAULT_FIELD_LIMIT};
pub use text::WithIds;

use crate::trace_context::TraceIds;

/// The `trace_id`/`span_id` a log line emitted here would carry: those of
/// the exported span current here when the request's subscriber exports
/// spans (it has the layer of the feature `opentelemetry`, `qh::otel`),
/// else the request's W3C [`TraceContext`](crate::trace_context::TraceContext).
/// `None` outside a request.
///
/// ```
/// use qh::{context::Context, RequestId};
///
/// assert!(qh::logs::trace_ids().is_none());
/// Context::new(RequestId::from_static("job-1")).sync_scope(|| {
///     // No exporter here: the request's own W3C trace, started on first need.
///     let ids = qh::logs::trace_ids().unwrap();
///     assert_eq!(ids.trace_id, qh::trace_context::TraceContext::current().unwrap().trace_id());
/// });
/// ```
#[must_use]
pub fn trace_ids() -> Option<TraceIds> {
    crate::context::line_trace_ids()
}

/// Writes `,"request_id":…` and the other context members, or nothing
/// outside a request.
fn write_context_fields(w: &mut String) -> fmt::Result {
    let Some(ids) = crate::context::line_ids() else {
        return Ok(());
    };
    // The keys need no escaping; an ID can (a custom rule may allow `"`).
    w.push_str(",\"request_id\":");
    json::string(w, ids.id.as_str())?;
    if let Some(client) = &ids.client {
        w.push_str(",\"client_request_id\":");
        json::string(w, client.as_str())?;
    }
    // Hex digits need no escaping.
    w.push_str(",\"trace_id\":\"");
    w.push_str(ids.trace.trace_id.hex().as_str());
    w.push_str("\",\"span_id\":\"");
    w.push_str(ids.trace.span_id.hex().as_str());
    w.push('"');
    Ok(())
}

/// A `tracing_subscriber::fmt` layer writing qh's JSON lines, to compose
/// with your own filters and layers (OpenTelemetry, …).
///
/// ```
/// use tracing_subscriber::prelude::*;
///
/// let subscriber = tracing_subscriber::registry()
///     .with(tracing_subscriber::EnvFilter::new("warn,my_app=info"))
///     .with(qh::logs::layer());
/// # drop(subscriber);
/// ```
#[must_use]
pub fn layer<S>() -> tracing_subscriber::fmt::Layer<S, JsonFields, JsonFormat>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_subscriber::fmt::layer()
        .fmt_fields(JsonFields::new())
        .event_format(JsonFormat::new())
}

/// JSON lines on stdout, filtered by `RUST_LOG` (default `info`): start
/// here, finish with [`init`](Json::init).
///
/// ```no_run
/// qh::logs::json().init();
/// ```
#[must_use]
pub fn json() -> Json<fn() -> io::Stdout> {
    Json {
        writer: io::stdout,
        default_filter: "info".into(),
        filter: None,
        format: JsonFormat::new(),
    }
}

/// The subscriber [`json()`] builds.
///
/// # Examples
///
/// A test helper naming it: JSON lines captured by the test harness, every
/// level on.
///
/// ```
/// use qh::logs::JsonSubscriber;
/// use tracing_subscriber::fmt::TestWriter;
///
/// fn test_logs() -> JsonSubscriber<TestWriter> {
///     qh::logs::json().writer(TestWriter::new()).filter("trace").finish()
/// }
///
/// tracing::subscriber::with_default(test_logs(), || tracing::trace!("visible in the test output"));
/// ```
pub type JsonSubscriber<W> =
    tracing_subscriber::fmt::Subscriber<JsonFields, JsonFormat, EnvFilter, W>;

/// Builder for a JSON-lines subscriber; see [`json()`].
///
/// # Examples
///
/// ```no_run
/// use qh::logs::JsonFormat;
///
/// qh::logs::json()
///     .writer(std::io::stderr)
///     .default_filter("warn,my_app=info") // when `RUST_LOG` is unset
///     .format(JsonFormat::new().timestamp(false)) // the platform stamps lines
///     .init();
/// ```
#[derive(Debug)]
pub struct Json<W> {
    writer: W,
    default_filter: String,
    filter: Option<String>,
    format: JsonFormat,
}

impl<W> Json<W>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    /// Writes lines to `writer` (anything `tracing_subscriber::fmt` accepts:
    /// `std::io::stderr`, a `Mutex<File>`, a closure …) instead of stdout.
    #[must_use]
    pub fn writer<W2>(self, writer: W2) -> Json<W2>
    where
        W2: for<'w> MakeWriter<'w> + Send + Sync + 'static,
    {
        Json {
            writer,
            default_filter: self.default_filter,
            filter: self.filter,
            format: self.format,
        }
    }

    /// The filter used when `RUST_LOG` is unset or invalid (default `info`),
    /// in `EnvFilter` syntax.
    #[must_use]
    pub fn default_filter(mut self, directives: impl Into<String>) -> Self {
        self.default_filter = directives.into();
        self
    }

    /// A filter that overrides `RUST_LOG`, in `EnvFilter` syntax.
    #[must_use]
    pub fn filter(mut self, directives: impl Into<String>) -> Self {
        self.filter = Some(directives.into());
        self
    }

    /// The event format (e.g. `JsonFormat::new().spans(false)`).
    #[must_use]
    pub fn format(mut self, format: JsonFormat) -> Self {
        self.format = format;
        self
    }

    /// The subscriber, for `tracing::subscriber::set_default` (tests) or to
    /// install yourself.
    #[must_use]
    pub fn finish(self) -> JsonSubscriber<W> {
        let filter = match self.filter {
            Some(directives) => EnvFilter::new(directives),
            None => EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new(&self.default_filter)),
        };
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .fmt_fields(JsonFields::new())
            .event_format(self.format)
            .with_writer(self.writer)
            .finish()
    }

    /// Installs the subscriber as the global default.
    ///
    /// # Errors
    ///
    /// When a global subscriber is already installed.
    pub fn try_init(self) -> Result<(), TryInitError> {
        self.finish().try_init()
    }

    /// Installs the subscriber as the global default.
    ///
    /// # Panics
    ///
    /// When a global subscriber is already installed (use
    /// [`try_init`](Json::try_init) to handle that).
    pub fn init(self) {
        if let Err(e) = self.try_init() {
            panic!("qh::logs::json().init(): {e}");
        }
    }
}

#[cfg(test)]
mod tests;
