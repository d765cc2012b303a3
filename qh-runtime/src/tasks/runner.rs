//! [`Runner`]: the app's task runner. It submits work as tasks, runs it
//! with the submitting request's context, and cancels it; its
//! configuration is fixed when it is built ([`RunnerBuilder`]).

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use serde::Serialize;
use tokio::task::AbortHandle;
use tracing::Instrument;

use super::error::outcome_of;
use super::owner::{Caller, OwnerFn, OwnerHook};
use super::{
    CallerTasks, RunnerBuilder, StoreError, SubmitError, Submitted, TaskError, TaskOutcome,
    TaskRecord, TaskStore, Transition,
};
use crate::context::shutdown::{Guard, LeftBehind, Shutdown};
use crate::context::Context;
use crate::support::chain::Chain;
use crate::support::unwind::catch_message;

/// The task runner of one app: records tasks in its [`TaskStore`], runs them
/// on tokio with the submitting request's context, and cancels them.
///
/// Its configuration (store, owner hook, listing, error exposure, waiter
/// bound) is fixed when it is built: [`Runner::builder`], [`Runner::new`]
/// (a store, the rest default) or [`Runner::default`] (in memory). A
/// `Runner` has getters, never setters. Cloning it gives another handle on
/// the same runner (its running tasks, its waiters), never a way to change
/// its configuration.
///
/// The app hands it to its routes as an axum extension
/// (`router.layer(axum::Extension(runner))`); task endpoints and the
/// `/tasks` routes take the request's view of it, [`CallerTasks`] (the
/// extractor, which knows the caller's owner). A router made by
/// `qh::routes!` with a task endpoint supplies a memory runner of its own to
/// requests that carry none.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::tasks::{Runner, TaskStatus};
///
/// let runner = Runner::default();
/// let submitted = runner
///     .submit("add", async { Ok::<_, String>(1 + 2) })
///     .await
///     .unwrap();
/// let record = runner
///     .store()
///     .wait(&submitted.task_id, std::time::Duration::from_secs(5))
///     .await
///     .unwrap()
///     .unwrap();
/// assert_eq!(record.status, TaskStatus::Completed);
/// assert_eq!(record.result, Some(serde_json::json!(3)));
/// # }
/// ```
#[derive(Clone)]
pub struct Runner {
    pub(super) inner: Arc<Inner>,
}

/// What a runner was built with.
pub(super) struct Config {
    pub(super) store: Arc<dyn TaskStore>,
    pub(super) owner: Option<OwnerHook>,
    pub(super) listing: bool,
    pub(super) expose_errors: bool,
    pub(super) max_waiters: usize,
}

pub(super) struct Inner {
    pub(super) config: Config,
    // Tasks this instance runs, so a local cancel aborts them at once, and
    // the shutdown each counts toward.
    running: Mutex<HashMap<String, Running>>,
    /// How many `?wait=true` requests are waiting now.
    pub(super) waiting: AtomicUsize,
}

/// A task running here: how to stop it, and the shutdown it counts toward.
struct Running {
    handle: AbortHandle,
    shutdown: Option<Shutdown>,
}

impl LeftBehind for Inner {
    /// Aborts every task running here for `shutdown`'s app (so none writes
    /// an outcome afterwards), then records each as abandoned.
    fn abandon<'a>(
        &'a self,
        shutdown: &'a Shutdown,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        let stopped: Vec<String> = {
            let mut running = lock(&self.running);
            let ids: Vec<String> = running
                .iter()
                .filter(|(_, r)| r.shutdown.as_ref().is_some_and(|s| s.same(shutdown)))
                .map(|(id, _)| id.clone())
                .collect();
            for id in &ids {
                if let Some(r) = running.remove(id) {
                    r.handle.abort();
                }
            }
            ids
        };
        super::outcome::abandon(&*self.config.store, stopped)
    }
}

fn lock(running: &Mutex<HashMap<String, Running>>) -> MutexGuard<'_, HashMap<String, Running>> {
    running
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("running_here", &self.running_here())
            .field("listing", &self.listing())
            .field("expose_errors", &self.expose_errors())
            .field("max_waiters", &self.max_waiters())
            .field("owner_hook", &self.owner().is_some())
            .finish_non_exhaustive()
    }
}

impl Default for Runner {
    /// A runner over a new [`MemoryTaskStore`](super::MemoryTaskStore), with
    /// the defaults.
    ///
    /// ```
    /// let runner = qh::tasks::Runner::default();
    /// assert!(!runner.listing());
    /// ```
    fn default() -> Self {
        Self::builder().build()
    }
}

impl Runner {
    /// A runner over `store`, with the other defaults (the same as
    /// `Runner::builder().store(store).build()`).
    ///
    /// ```
    /// use qh::tasks::{MemoryTaskStore, Runner};
    ///
    /// let runner = Runner::new(MemoryTaskStore::new().capacity(100));
    /// ```
    #[must_use]
    pub fn new(store: impl TaskStore) -> Self {
        Self::builder().store(store).build()
    }

    /// A builder: a [`MemoryTaskStore`](super::MemoryTaskStore), no owner hook, the listing off,
    /// errors hidden, [`DEFAULT_MAX_WAITERS`](super::DEFAULT_MAX_WAITERS)
    /// waiters, until set otherwise.
    ///
    /// ```
    /// let runner = qh::tasks::Runner::builder()
    ///     .listing(true)
    ///     .expose_errors(true)
    ///     .max_waiters(200)
    ///     .build();
    /// assert!(runner.listing() && runner.expose_errors());
    /// assert_eq!(runner.max_waiters(), 200);
    /// ```
    pub fn builder() -> RunnerBuilder {
        RunnerBuilder::default()
    }

    pub(super) fn from_config(config: Config) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                running: Mutex::new(HashMap::new()),
                waiting: AtomicUsize::new(0),
            }),
        }
    }

    /// The store the records live in.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn TaskStore> {
        &self.inner.config.store
    }

    /// Whether `GET /tasks/` lists every client's tasks when there is no
    /// owner hook (see [`RunnerBuilder::listing`]).
    #[must_use]
    pub fn listing(&self) -> bool {
        self.inner.config.listing
    }

    /// Whether a failed task's message is shown by the routes (see
    /// [`RunnerBuilder::expose_errors`]).
    #[must_use]
    pub fn expose_errors(&self) -> bool {
        self.inner.config.expose_errors
    }

    /// The most `?wait=true` requests waiting at once (see
    /// [`RunnerBuilder::max_waiters`]).
    #[must_use]
    pub fn max_waiters(&self) -> usize {
        self.inner.config.max_waiters
    }

    /// The owner hook (see [`RunnerBuilder::owner`]), if the runner has one.
    ///
    /// ```
    /// assert!(qh::tasks::Runner::default().owner().is_none());
    /// ```
    #[must_use]
    pub fn owner(&self) -> Option<&OwnerFn> {
        self.inner.config.owner.as_deref()
    }

    /// How many tasks this instance is running now.
    #[must_use]
    pub fn running_here(&self) -> usize {
        self.running().len()
    }

    /// How many `?wait=true` requests are waiting now.
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.inner
            .waiting
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// The runner as the request `parts` sees it: its caller named by the
    /// owner hook, if there is one. What the [`CallerTasks`] extractor
    /// returns when the request carries this runner.
    ///
    /// ```
    /// let (parts, ()) = axum::http::Request::new(()).into_parts();
    /// let tasks = qh::tasks::Runner::default().for_request(&parts);
    /// assert_eq!(tasks.owner(), None);
    /// ```
    #[must_use]
    pub fn for_request(&self, parts: &http::request::Parts) -> CallerTasks {
        CallerTasks::new(
            self.clone(),
            Caller::of(self.inner.config.owner.as_ref(), parts),
        )
    }

    /// Records a task for the function `endpoint` and runs `work` in the
    /// background: pending → running → completed (the `Ok` value as JSON) or
    /// failed (the `Err` message, or the panic message).
    ///
    /// The task runs with a copy of the current request's context, so
    /// [`request_id`](crate::request_id) and its log lines carry the
    /// submitting request's ID; its `task` span (fields `task_id`,
    /// `endpoint`, `request_id`) follows from the request's span. It counts
    /// toward the request's [`Shutdown`](crate::background::Shutdown), if
    /// it has one.
    ///
    /// Submitted through the runner itself, the task has no
    /// [owner](TaskRecord::owner): with an owner hook, no one can see it
    /// (inside a request that is logged at WARN, as a request's
    /// [`CallerTasks`] was most likely meant). Submit through
    /// [`CallerTasks::submit`] to record the caller as its owner.
    ///
    /// # Errors
    ///
    /// When the store cannot record the task (e.g. [`StoreError::Full`]);
    /// the work is then never run.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub async fn submit<F, T, E>(&self, endpoint: &str, work: F) -> Result<Submitted, SubmitError>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Serialize,
        E: Display,
    {
        self.submit_json(endpoint, async move { outcome_of(work.await) })
            .await
    }

    /// [`submit`](Self::submit) for work that already produces a
    /// [`TaskOutcome`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let runner = qh::tasks::Runner::default();
    /// let s = runner.submit_json("ping", async { Ok(serde_json::json!("pong")) }).await.unwrap();
    /// assert_eq!(s.status, "submitted");
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`submit`](Self::submit).
    pub async fn submit_json<F>(&self, endpoint: &str, work: F) -> Result<Submitted, SubmitError>
    where
        F: Future<Output = TaskOutcome> + Send + 'static,
    {
        self.submit_as(&Caller::NotAsked, endpoint, work).await
    }

    /// Submits `work` for `caller` (see [`submit`](Self::submit)).
    pub(super) async fn submit_as<F>(
        &self,
        caller: &Caller,
        endpoint: &str,
        work: F,
    ) -> Result<Submitted, SubmitError>
    where
        F: Future<Output = TaskOutcome> + Send + 'static,
    {
        let ctx = Context::current();
        let owner = caller.submission_owner(self.owner().is_some(), ctx.is_some())?;
        let request_id = ctx.as_ref().map(|c| c.id().clone());
        let task_id = uuid::Uuid::new_v4().to_string();
        let record =
            TaskRecord::pending(task_id.clone(), request_id.clone(), endpoint).owned_by(owner);
        self.store().create(record).await?;
        crate::context::meter::tasks::submitted(endpoint);

        let span = tracing::info_span!(
            parent: None,
            "task",
            task_id = %task_id,
            endpoint = endpoint,
            request_id = tracing::field::Empty,
        );
        if let Some(id) = &request_id {
            span.record("request_id", id.as_str());
        }
        span.follows_from(tracing::Span::current());

        // Counted from submission, so a drain right after it waits for it;
        // the runner is told when that drain gives up.
        let shutdown = ctx.as_ref().and_then(Context::shutdown).cloned();
        if let Some(shutdown) = &shutdown {
            let weak: Weak<dyn LeftBehind> = Arc::downgrade(&self.inner) as _;
            shutdown.on_drain_timeout(weak);
        }
        let counted = shutdown.as_ref().map(Shutdown::track);
        let run = run(self.clone(), task_id.clone(), work, counted);
        let run: Pin<Box<dyn Future<Output = ()> + Send>> = match ctx {
            Some(ctx) => Box::pin(ctx.scope(run)),
            None => Box::pin(run),
        };
        // Locked across the spawn: the task removes itself from the map when
        // done, which must not happen before it was added.
        let mut running = self.running();
        let handle = tokio::spawn(run.instrument(span));
        running.insert(
            task_id.clone(),
            Running {
                handle: handle.abort_handle(),
                shutdown,
            },
        );
        drop(running);
        Ok(Submitted::new(task_id, request_id))
    }

    /// Cancels the task: marks it cancelled (if it has not finished) and
    /// stops its work at its next `.await`, whichever instance runs it (this
    /// one at once; others through the store's [`watch`](TaskStore::watch)).
    /// Returns the record as it is afterwards, `None` when unknown.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub async fn cancel(&self, task_id: &str) -> Result<Option<TaskRecord>, StoreError> {
        let record = self.store().transition(task_id, Transition::Cancel).await?;
        if let Some(running) = self.running().remove(task_id) {
            running.handle.abort();
        }
        Ok(record)
    }

    /// Cancels the task if it is still running, then removes its record.
    /// Returns `false` when the task was unknown.
    ///
    /// Logged (INFO, `task deleted`, with `task_id`, `endpoint`, the status
    /// it had reached and the submitting request's `task_request_id`; inside
    /// a request, the line carries the deleting request's `request_id`): a
    /// task stopped this way cannot log anything itself.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub async fn delete(&self, task_id: &str) -> Result<bool, StoreError> {
        let cancelled = self.cancel(task_id).await?;
        let removed = self.store().delete(task_id).await?;
        super::outcome::deleted(task_id, cancelled.as_ref(), removed);
        Ok(cancelled.is_some() || removed)
    }

    fn running(&self) -> MutexGuard<'_, HashMap<String, Running>> {
        lock(&self.inner.running)
    }
}

async fn run<F>(runner: Runner, task_id: String, work: F, counted: Option<Guard>)
where
    F: Future<Output = TaskOutcome> + Send + 'static,
{
    let _counted = counted;
    let store = Arc::clone(runner.store());
    let started = store.transition(&task_id, Transition::Start).await;
    match started {
        Ok(Some(record)) if record.status == super::TaskStatus::Running => {
            let timer = crate::context::meter::tasks::started(&record.endpoint);
            let stop = store.watch(&task_id);
            let outcome = tokio::select! {
                outcome = catch_message(work) => Some(outcome),
                () = stop => None,
            };
            let to = match outcome {
                None => {
                    tracing::info!("task stopped: cancelled, deleted or its lease lost");
                    None
                }
                Some(Ok(Ok(value))) => Some(Transition::Complete(value)),
                Some(Ok(Err(error))) => {
                    tracing::error!(error = %error, "task failed");
                    Some(Transition::Fail(error.to_string()))
                }
                Some(Err(panic)) => {
                    tracing::error!(panic = %panic, "task panicked");
                    Some(Transition::Fail(TaskError::Panicked(panic).to_string()))
                }
            };
            if let Some(to) = to {
                timer.ended(matches!(to, Transition::Complete(_)));
                super::outcome::record(&*store, &task_id, to).await;
            }
        }
        // Cancelled or deleted before it started: nothing to run.
        Ok(_) => {}
        Err(e) => {
            tracing::error!(task_id = %task_id, error = %Chain(&e), "task not started: the store failed");
        }
    }
    runner.running().remove(&task_id);
}
