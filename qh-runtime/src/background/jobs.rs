//! [`BackgroundTasks`]: work queued by a handler, run after its response.

use std::convert::Infallible;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};

use tracing::Instrument;

use crate::context::shutdown::{Guard, Shutdown};
use crate::context::{self, Context};
use crate::support::sync::{get_mut, lock};
use crate::support::unwind::catch_message;

type Outcome = Result<(), String>;
type JobFuture = Pin<Box<dyn Future<Output = Outcome> + Send + 'static>>;

/// Work added during a request that runs once the response is ready, with
/// the request's context (FastAPI's `BackgroundTasks`).
///
/// An axum extractor: take it as a handler argument (or `#[extract]` in a
/// qh endpoint) and [`add`](Self::add) futures. The jobs run one after the
/// other, in the order added, on a tokio task of their own, each with the
/// context and `tracing` span current when it was added, so
/// [`request_id`](crate::request_id) and log lines keep the request's ID.
/// A job returning `Err` or panicking is logged with `tracing::error!` and
/// the request ID; it never changes the response, nor stops the jobs after it.
///
/// When the jobs start:
/// - inside a request's scope (under the [`Tracking`](crate::Tracking)
///   layer, or in a qh endpoint): when the scope ends, once the response
///   body has been sent (or dropped);
/// - without one (a plain handler with no layer): when the handler is done
///   with the extractor, i.e. as soon as the handler returns.
///
/// Under a layer with [`Tracking::shutdown`](crate::Tracking::shutdown),
/// the job list counts toward that
/// [`Shutdown`](crate::background::Shutdown) from its first job to the end
/// of its last.
///
/// ```
/// use axum::{routing::post, Router};
/// use qh::BackgroundTasks;
///
/// async fn signup(jobs: BackgroundTasks) -> &'static str {
///     jobs.add(async {
///         tracing::info!(request_id = ?qh::request_id(), "sending the welcome mail");
///     });
///     jobs.add(async { Err::<(), _>("smtp down") }); // logged, response unaffected
///     "welcome"
/// }
///
/// let app: Router = Router::new()
///     .route("/signup", post(signup))
///     .layer(qh::Tracking::new());
/// ```
#[derive(Clone)]
pub struct BackgroundTasks {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for BackgroundTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackgroundTasks")
            .field("queued", &self.len())
            .finish()
    }
}

struct Shared {
    // One lock for everything: `Context` is not `Sync`.
    state: Mutex<State>,
    runtime: Option<tokio::runtime::Handle>,
}

struct State {
    jobs: Vec<Job>,
    // The request's context, for jobs added outside its scope.
    request: Context,
    guard: Option<Guard>,
}

struct Job {
    fut: JobFuture,
    ctx: Context,
    span: tracing::Span,
}

/// What a background job may return: `()`, or a `Result` whose `Err` is
/// logged.
///
/// # Examples
///
/// ```
/// use qh::background::JobOutput;
///
/// async fn send_receipt(_order: u64) -> Result<(), std::io::Error> {
///     Ok(())
/// }
///
/// /// What a delivery attempt came to: a bounce is logged as the job's error.
/// enum Delivery {
///     Sent,
///     Bounced(String),
/// }
///
/// impl JobOutput for Delivery {
///     fn into_outcome(self) -> Result<(), String> {
///         match self {
///             Delivery::Sent => Ok(()),
///             Delivery::Bounced(why) => Err(format!("bounced: {why}")),
///         }
///     }
/// }
///
/// async fn checkout(jobs: qh::BackgroundTasks) {
///     jobs.add(async { tracing::info!("checked out") }); // `()`
///     jobs.add(send_receipt(7)); // an `Err` is logged with the request's ID
///     jobs.add(async { Delivery::Bounced("mailbox full".into()) });
/// }
/// ```
pub trait JobOutput: Send + 'static {
    /// `Err(message)` when the job failed.
    fn into_outcome(self) -> Result<(), String>;
}

impl JobOutput for () {
    fn into_outcome(self) -> Result<(), String> {
        Ok(())
    }
}

impl<T: Send + 'static, E: Display + Send + 'static> JobOutput for Result<T, E> {
    fn into_outcome(self) -> Result<(), String> {
        self.map(drop).map_err(|e| e.to_string())
    }
}

impl BackgroundTasks {
    fn for_request(request: Context) -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    jobs: Vec::new(),
                    request,
                    guard: None,
                }),
                runtime: tokio::runtime::Handle::try_current().ok(),
            }),
        }
    }

    /// Queues `job` to run after the response, with the current context
    /// (the request's, when called outside its scope).
    ///
    /// ```
    /// async fn handler(jobs: qh::BackgroundTasks) {
    ///     jobs.add(async move { tokio::task::yield_now().await });
    /// }
    /// ```
    pub fn add<F>(&self, job: F)
    where
        F: Future + Send + 'static,
        F::Output: JobOutput,
    {
        let ctx = crate::context::Context::current();
        let span = tracing::Span::current();
        let fut: JobFuture = Box::pin(async move { job.await.into_outcome() });
        let mut state = self.state();
        let ctx = ctx.unwrap_or_else(|| state.request.clone());
        if state.guard.is_none() {
            state.guard = state.request.shutdown().map(Shutdown::track);
        }
        state.jobs.push(Job { fut, ctx, span });
    }

    /// How many jobs are queued.
    ///
    /// ```
    /// async fn handler(jobs: qh::BackgroundTasks) {
    ///     assert!(jobs.is_empty());
    ///     jobs.add(async {});
    ///     assert_eq!(jobs.len(), 1);
    /// }
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.state().jobs.len()
    }

    /// Whether no job is queued.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the list half-pushed.
        lock(&self.shared.state)
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let state = get_mut(&mut self.state);
        if state.jobs.is_empty() {
            return;
        }
        let jobs = std::mem::take(&mut state.jobs);
        let guard = state.guard.take();
        match &self.runtime {
            Some(rt) => {
                rt.spawn(run(jobs, guard));
            }
            None => tracing::error!(
                request_id = %state.request.id(),
                jobs = jobs.len(),
                "background jobs dropped: no tokio runtime to run them on"
            ),
        }
    }
}

async fn run(jobs: Vec<Job>, guard: Option<Guard>) {
    let _guard = guard;
    for Job { fut, ctx, span } in jobs {
        let id = ctx.id().clone();
        let outcome = catch_message(ctx.scope(fut)).instrument(span.clone()).await;
        let _entered = span.enter();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::error!(request_id = %id, error = %error, "background job failed");
            }
            Err(panic) => {
                tracing::error!(request_id = %id, panic = %panic, "background job panicked");
            }
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for BackgroundTasks {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        // The request's one resolution; its context when this runs inside
        // it (values stored so far come along), else one made from it.
        let id = crate::derive::id_from_parts(parts, None);
        let request = match Context::current() {
            Some(ctx) if ctx.id() == &id => {
                // Inside the request's scope, which keeps its one list.
                if let Some(existing) = context::kept_until_end::<Self>() {
                    return Ok(existing);
                }
                ctx
            }
            _ => match parts.extensions.get::<crate::context::Resolved>() {
                Some(resolved) => Context::from_resolved(resolved.clone(), None),
                None => Context::new(id),
            },
        };
        let in_scope = context::is_current(request.id());
        let tasks = Self::for_request(request);
        if in_scope {
            // The scope keeps a handle: the jobs start when it ends.
            context::keep_until_end(tasks.clone());
        }
        Ok(tasks)
    }
}
