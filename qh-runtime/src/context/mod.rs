//! The request-local context store.
//!
//! The current request's [`Context`] (its resolution, and whatever else
//! the request stores) is current for as long as the request is being
//! handled, its response body included: a thread-local points at it
//! around every poll. Code anywhere below the handler reads it with
//! [`request_id`] without passing it around;
//! [`spawn`](crate::spawn) carries it into new tasks.

pub(crate) mod export;
#[cfg(feature = "logs")]
mod line;
pub(crate) mod meter;
pub(crate) mod outbound;
mod resolved;
pub(crate) mod shutdown;
mod slot;
mod trace;
mod values;

use std::any::Any;
use std::cell::{Ref, RefCell, RefMut};
use std::fmt;
use std::future::Future;

use http::{Extensions, HeaderName};

use crate::id::RequestId;
use crate::id::DEFAULT_HEADER;
use crate::trace_context::TraceIds;
use export::Exporter;

#[cfg(feature = "logs")]
pub(crate) use line::{line_ids, line_trace_ids};
pub use resolved::Resolved;
use shutdown::Shutdown;
use slot::with_current;
pub(crate) use slot::within;
pub use slot::Scoped;
pub use values::{get, insert};

/// What the store holds for one request: its [`Resolved`] ID and the values
/// stored with [`insert`].
///
/// Storing nothing beyond the ID allocates nothing: the value map is only
/// created on the first [`insert`] (of anything but a trace).
///
/// It lives in the request's future and then in its body, moved whole
/// before they settle, so it is kept small: the app's shutdown and meters
/// are read through the `Tracking` layer the resolution names.
///
/// # Examples
///
/// Work that does not come in as an HTTP request (a queue message, a cron
/// job) gets a context of its own, so its logs, [`spawn`](crate::spawn)ed
/// tasks and outbound calls carry its ID:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::{context::Context, RequestId};
///
/// async fn handle_message(body: &str) -> usize {
///     tracing::info!("handling"); // carries `request_id = "msg-17"`
///     assert_eq!(qh::request_id().unwrap(), "msg-17");
///     body.len()
/// }
///
/// let id = RequestId::new("msg-17").unwrap();
/// let ctx = Context::new(id);
/// assert_eq!(ctx.id(), "msg-17");
/// assert_eq!(ctx.header(), "x-request-id");
/// assert_eq!(ctx.scope(handle_message("hello")).await, 5);
/// # }
/// ```
pub struct Context {
    /// The request's resolution, naming the `Tracking` layer it came
    /// through if any: the shutdown its background work counts toward, the
    /// meters its outbound calls and tasks record through.
    resolved: Resolved,
    /// What few requests use, made on first use: the context is moved with
    /// the request's future and body, so it is kept this small.
    rare: RefCell<Option<Box<Rare>>>,
}

/// The parts of a [`Context`] few requests use.
#[derive(Default)]
struct Rare {
    /// The values stored with [`insert`] (but a trace: `trace`).
    values: Extensions,
    /// The request's W3C trace: the one it came with, or one started on
    /// first need. A slot of its own, not a `values` entry (every log line
    /// of a request reads it); [`insert`] and [`get`] of a
    /// [`TraceContext`](crate::trace_context::TraceContext) use it.
    trace: Option<crate::trace_context::TraceContext>,
    /// The span exporter of the subscriber current when the context was
    /// made (see `export`).
    exporter: Option<Exporter>,
    /// What the request's scope keeps until it ends (the request's
    /// `BackgroundTasks` job list). Only the scope's own context holds it:
    /// copies (`Context::current`, spawned work) start empty.
    until_end: Option<Box<dyn Any + Send>>,
}

impl Clone for Context {
    fn clone(&self) -> Self {
        let rare = self.rare.borrow().as_ref().and_then(|rare| {
            (!rare.values.is_empty() || rare.exporter.is_some() || rare.trace.is_some()).then(
                || {
                    Box::new(Rare {
                        values: rare.values.clone(),
                        trace: rare.trace.clone(),
                        exporter: rare.exporter.clone(),
                        until_end: None,
                    })
                },
            )
        });
        Self {
            resolved: self.resolved.clone(),
            rare: RefCell::new(rare),
        }
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rare = self.rare.borrow();
        let rare = rare.as_deref();
        f.debug_struct("Context")
            .field("resolved", &self.resolved)
            .field("values", &rare.map(|rare| &rare.values))
            .field("trace", &rare.and_then(|rare| rare.trace.as_ref()))
            .field("exporter", &rare.and_then(|rare| rare.exporter.as_ref()))
            .field("shutdown", &self.shutdown())
            .finish_non_exhaustive()
    }
}

impl Context {
    /// A context for work identified by `id` (a job, a message), echoed and
    /// forwarded under `x-request-id`.
    ///
    /// Its log lines and outbound calls take the exported trace of the
    /// `tracing` subscriber current here, when that subscriber exports
    /// (the OpenTelemetry integration): make it where that subscriber is the
    /// default.
    #[must_use]
    pub fn new(id: RequestId) -> Self {
        Self::from_resolved(Resolved::new(id, DEFAULT_HEADER, None), None)
    }

    /// Keeps the client's own (valid) ID beside the server's, for logs
    /// (requests get theirs from the resolution).
    #[cfg(test)]
    #[must_use]
    pub(crate) fn with_client_id(self, client_id: Option<RequestId>) -> Self {
        let resolved = Resolved::new(
            self.resolved.id().clone(),
            self.resolved.header().clone(),
            client_id,
        );
        Self { resolved, ..self }
    }

    /// The context of a resolved request, with the exporter of the
    /// subscriber current here and its incoming trace if any.
    pub(crate) fn from_resolved(
        resolved: Resolved,
        trace: Option<crate::trace_context::TraceContext>,
    ) -> Self {
        Self::opened(resolved, Exporter::current(), trace)
    }

    /// The context of a request whose scope opened with `exporter` (looked
    /// up once there, for the span too), with its incoming trace if any
    /// (made in place: the context is large).
    #[inline]
    pub(crate) fn opened(
        resolved: Resolved,
        exporter: Option<Exporter>,
        trace: Option<crate::trace_context::TraceContext>,
    ) -> Self {
        let rare = (exporter.is_some() || trace.is_some()).then(|| {
            Box::new(Rare {
                values: Extensions::new(),
                trace,
                exporter,
                until_end: None,
            })
        });
        Self {
            resolved,
            rare: RefCell::new(rare),
        }
    }

    /// The rarely used parts, made now if they were not yet.
    fn rare_mut(&self) -> RefMut<'_, Rare> {
        RefMut::map(self.rare.borrow_mut(), |rare| {
            &mut **rare.get_or_insert_default()
        })
    }

    /// The exporter the context was made with, if any.
    fn exporter(&self) -> Option<Ref<'_, Exporter>> {
        Ref::filter_map(self.rare.borrow(), |rare| rare.as_ref()?.exporter.as_ref()).ok()
    }

    /// The shutdown the request's background work counts toward, if any:
    /// its `Tracking` layer's (see
    /// [`Tracking::shutdown`](crate::Tracking::shutdown)).
    pub(crate) fn shutdown(&self) -> Option<&Shutdown> {
        self.resolved.layer()?.shutdown_handle()
    }

    /// Where the request's outbound calls and tasks record their metrics:
    /// its `Tracking` layer's, if it records any (see `meter`).
    pub(crate) fn meters(&self) -> Option<&meter::Meters> {
        self.resolved.layer()?.meters()
    }

    /// Whether the request's scope keeps something until it ends (then its
    /// response body is kept in the scope to its end: see
    /// `tracking::body`).
    pub(crate) fn keeps_until_end(&self) -> bool {
        self.rare
            .borrow()
            .as_deref()
            .is_some_and(|rare| rare.until_end.is_some())
    }

    /// A copy of the context of the current request, if there is one.
    #[must_use]
    pub fn current() -> Option<Self> {
        with_current(Clone::clone)
    }

    /// The request's tracking ID.
    #[must_use]
    pub fn id(&self) -> &RequestId {
        self.resolved.id()
    }

    /// The header the ID was resolved under (and is echoed and forwarded
    /// under).
    #[must_use]
    pub fn header(&self) -> &HeaderName {
        self.resolved.header()
    }

    /// The ID the client sent, when incoming IDs are not trusted.
    #[must_use]
    pub fn client_id(&self) -> Option<&RequestId> {
        self.resolved.client_id()
    }

    /// `fut`, run with this context as the current one on every poll.
    pub fn scope<F: Future>(self, fut: F) -> Scoped<F> {
        Scoped::new(self, fut)
    }

    /// Runs `f` with this context as the current one.
    pub fn sync_scope<R>(self, f: impl FnOnce() -> R) -> R {
        within(&self, f)
    }
}

/// The current request's tracking ID; `None` outside a request.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::{context::Context, RequestId};
///
/// assert_eq!(qh::request_id(), None);
/// let id = RequestId::from_static("job-42");
/// Context::new(id).scope(async {
///     assert_eq!(qh::request_id().unwrap(), "job-42");
/// }).await;
/// # }
/// ```
#[must_use]
pub fn request_id() -> Option<RequestId> {
    with_current(|c| c.id().clone())
}

/// The client-sent ID kept beside the server's when incoming IDs are not
/// trusted (see [`Tracking::trust_incoming`](crate::Tracking::trust_incoming)).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::{body::Body, http::Request, routing::get, Router};
/// use tower::ServiceExt;
///
/// async fn handler() -> String {
///     let client = qh::context::client_request_id();
///     client.map(|id| id.to_string()).unwrap_or_default()
/// }
///
/// // At the edge, clients' IDs are kept for the logs but never used as the ID.
/// let app: Router = Router::new()
///     .route("/", get(handler))
///     .layer(qh::Tracking::new().trust_incoming(false));
/// let req = Request::get("/").header("x-request-id", "from-client").body(Body::empty()).unwrap();
/// let res = app.oneshot(req).await.unwrap();
/// assert_ne!(res.headers()["x-request-id"], "from-client"); // a fresh ID
/// let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
/// assert_eq!(&body[..], b"from-client");
/// # }
/// ```
#[must_use]
pub fn client_request_id() -> Option<RequestId> {
    with_current(|c| c.client_id().cloned()).flatten()
}

/// Whether code is running inside a request's context.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::{context::Context, RequestId};
///
/// fn log_prefix() -> &'static str {
///     if qh::context::is_set() { "request" } else { "startup" }
/// }
///
/// assert_eq!(log_prefix(), "startup");
/// let ctx = Context::new(RequestId::from_static("req-1"));
/// assert_eq!(ctx.scope(async { log_prefix() }).await, "request");
/// # }
/// ```
#[must_use]
pub fn is_set() -> bool {
    with_current(|_| ()).is_some()
}

/// A clone of the `T` the current request's scope keeps until it ends
/// (see [`keep_until_end`]).
pub(crate) fn kept_until_end<T: Any + Clone>() -> Option<T> {
    with_current(|c| {
        c.rare
            .borrow()
            .as_ref()
            .and_then(|rare| rare.until_end.as_ref())
            .and_then(|kept| kept.downcast_ref::<T>().cloned())
    })
    .flatten()
}

/// Has the current request's scope keep `value` until it ends (the end of
/// its response body), replacing what it kept. Returns `false` (and drops
/// the value) outside a request.
pub(crate) fn keep_until_end<T: Any + Send>(value: T) -> bool {
    with_current(|c| {
        let replaced = c.rare_mut().until_end.replace(Box::new(value));
        drop(replaced); // after the borrow ends: see `values::insert`
    })
    .is_some()
}

/// The shutdown the current request's background work counts toward.
pub(crate) fn current_shutdown() -> Option<Shutdown> {
    with_current(|c| c.shutdown().cloned()).flatten()
}

/// Whether the current context is the one of the request identified by
/// `id`.
pub(crate) fn is_current(id: &RequestId) -> bool {
    with_current(|c| c.id() == id).unwrap_or(false)
}

/// The header an ID goes out under: the current request's header when `id`
/// is its ID, else `x-request-id`.
pub(crate) fn header_of(id: &[u8]) -> HeaderName {
    with_current(|c| (c.id().as_bytes() == id).then(|| c.header().clone()))
        .flatten()
        .unwrap_or(DEFAULT_HEADER)
}

/// The IDs of the exported span current here, when the current request's
/// subscriber exports spans (see `export`).
pub(crate) fn exported_ids() -> Option<TraceIds> {
    with_current(Context::exported_ids).flatten()
}

/// The span exporter of the current request's subscriber (see `export`).
pub(crate) fn current_exporter() -> Option<Exporter> {
    with_current(|c| c.exporter().map(|exporter| Exporter::clone(&exporter))).flatten()
}

/// The header the current request's ID was resolved under.
pub(crate) fn current_header() -> Option<HeaderName> {
    with_current(|c| c.header().clone())
}

#[cfg(test)]
mod tests;
