//! [`Tasks`]: submits work as tasks, runs it with the submitting request's
//! context, and cancels it.

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock, Weak};

use serde::Serialize;
use tokio::task::AbortHandle;
use tracing::Instrument;

use super::owner::{Caller, OwnerHook};
use super::{
    MemoryTaskStore, StoreError, SubmitError, Submitted, TaskRecord, TaskStore, Transition,
};
use crate::context::shutdown::{Guard, LeftBehind, Shutdown};
use crate::context::Context;
use crate::support::unwind::catch_message;

/// What a task's function produced: its result as JSON, or an error message.
pub type TaskOutcome = Result<serde_json::Value, String>;

/// The task runner and registry of one app instance: records tasks in its
/// [`TaskStore`], runs them on tokio with the submitting request's context,
/// and cancels them.
///
/// Cheap to clone (a shared handle). Where handlers and the
/// [`routes`](super::routes) find it: a `Tasks` in the request's extensions
/// (`router.layer(axum::Extension(tasks))`) if there is one, else the
/// process-wide [`Tasks::global`] (a [`MemoryTaskStore`] unless
/// [`Tasks::set_global`] installed another). `Tasks` is itself an axum
/// extractor that resolves it that way.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::tasks::{TaskStatus, Tasks};
///
/// let tasks = Tasks::memory();
/// let submitted = tasks
///     .submit("add", async { Ok::<_, String>(1 + 2) })
///     .await
///     .unwrap();
/// let record = tasks
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
pub struct Tasks {
    pub(super) inner: Arc<Inner>,
    // Who asks, when this handle was made for a request (see `owner.rs`).
    pub(super) caller: Caller,
}

pub(super) struct Inner {
    store: Arc<dyn TaskStore>,
    // Tasks this instance runs, so a local cancel aborts them at once, and
    // the shutdown each counts toward.
    running: Mutex<HashMap<String, Running>>,
    expose_errors: AtomicBool,
    pub(super) listing: AtomicBool,
    pub(super) owner: RwLock<Option<OwnerHook>>,
    pub(super) waiters: super::http::waiting::Waiters,
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
        super::outcome::abandon(&*self.store, stopped)
    }
}

fn lock(running: &Mutex<HashMap<String, Running>>) -> MutexGuard<'_, HashMap<String, Running>> {
    running
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl std::fmt::Debug for Tasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tasks")
            .field("running_here", &self.running().len())
            .field("expose_errors", &self.exposes_errors())
            .field("listing", &self.serves_listing())
            .field("owner_hook", &self.has_owner_hook())
            .finish_non_exhaustive()
    }
}

static GLOBAL: OnceLock<Tasks> = OnceLock::new();

impl Tasks {
    /// A runner over `store`.
    #[must_use]
    pub fn new(store: impl TaskStore) -> Self {
        Self::from_arc(Arc::new(store))
    }

    /// A runner over a shared store.
    #[must_use]
    pub fn from_arc(store: Arc<dyn TaskStore>) -> Self {
        let inner = Arc::new(Inner {
            store,
            running: Mutex::new(HashMap::new()),
            expose_errors: AtomicBool::new(false),
            listing: AtomicBool::new(false),
            owner: RwLock::new(None),
            waiters: super::http::waiting::Waiters::default(),
        });
        Self {
            inner,
            caller: Caller::default(),
        }
    }

    /// A runner over a new [`MemoryTaskStore`] with its defaults.
    #[must_use]
    pub fn memory() -> Self {
        Self::new(MemoryTaskStore::new())
    }

    /// Whether `GET /tasks/{id}/result` shows a failed task's error message
    /// (default `false`: a generic text, the message stays in the record
    /// and the logs). Applies to every clone of this runner.
    ///
    /// ```
    /// let tasks = qh::tasks::Tasks::memory().expose_errors(true);
    /// assert!(tasks.exposes_errors());
    /// ```
    #[must_use]
    pub fn expose_errors(self, expose: bool) -> Self {
        self.inner.expose_errors.store(expose, Ordering::Relaxed);
        self
    }

    /// Whether failed tasks' messages are shown by the result route.
    #[must_use]
    pub fn exposes_errors(&self) -> bool {
        self.inner.expose_errors.load(Ordering::Relaxed)
    }

    /// The process-wide runner, used when a request carries none; a
    /// [`MemoryTaskStore`] unless [`set_global`](Self::set_global) came first.
    ///
    /// ```
    /// let tasks = qh::tasks::Tasks::global();
    /// ```
    #[must_use]
    pub fn global() -> &'static Tasks {
        GLOBAL.get_or_init(Tasks::memory)
    }

    /// Installs the process-wide runner. Fails (giving it back) when
    /// [`global`](Self::global) was already used or set.
    ///
    /// ```
    /// use qh::tasks::{MemoryTaskStore, Tasks};
    /// let _ = Tasks::set_global(Tasks::new(MemoryTaskStore::new().capacity(100)));
    /// ```
    pub fn set_global(tasks: Tasks) -> Result<(), Tasks> {
        GLOBAL.set(tasks)
    }

    /// The store the records live in.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn TaskStore> {
        &self.inner.store
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
    /// The task's [owner](TaskRecord::owner) is the caller this handle was
    /// made for (see [`Tasks::owner`]).
    ///
    /// # Errors
    ///
    /// When the store cannot record the task (e.g. [`StoreError::Full`]),
    /// or an owner hook found no owner for the request
    /// ([`SubmitError::NoOwner`]); the work is then never run.
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
        self.submit_json(endpoint, async move {
            match work.await {
                Ok(value) => serde_json::to_value(value)
                    .map_err(|e| format!("the result cannot be serialized as JSON: {e}")),
                Err(e) => Err(e.to_string()),
            }
        })
        .await
    }

    /// [`submit`](Self::submit) for work that already produces a
    /// [`TaskOutcome`]; what generated code calls.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let tasks = qh::tasks::Tasks::memory();
    /// let s = tasks.submit_json("ping", async { Ok(serde_json::json!("pong")) }).await.unwrap();
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
        let ctx = Context::current();
        let owner = self.submission_owner(ctx.is_some())?;
        let request_id = ctx.as_ref().map(|c| c.id().clone());
        let task_id = uuid::Uuid::new_v4().to_string();
        let record =
            TaskRecord::pending(task_id.clone(), request_id.clone(), endpoint).owned_by(owner);
        self.inner.store.create(record).await?;

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
        let record = self
            .inner
            .store
            .transition(task_id, Transition::Cancel)
            .await?;
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
        let removed = self.inner.store.delete(task_id).await?;
        super::outcome::deleted(task_id, cancelled.as_ref(), removed);
        Ok(cancelled.is_some() || removed)
    }

    /// How many tasks this instance is running now.
    #[must_use]
    pub fn running_here(&self) -> usize {
        self.running().len()
    }

    fn running(&self) -> MutexGuard<'_, HashMap<String, Running>> {
        lock(&self.inner.running)
    }
}

async fn run<F>(tasks: Tasks, task_id: String, work: F, tracked: Option<Guard>)
where
    F: Future<Output = TaskOutcome> + Send + 'static,
{
    let _tracked = tracked;
    let store = Arc::clone(tasks.store());
    let started = store.transition(&task_id, Transition::Start).await;
    match started {
        Ok(Some(record)) if record.status == super::TaskStatus::Running => {
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
                    Some(Transition::Fail(error))
                }
                Some(Err(panic)) => {
                    tracing::error!(panic = %panic, "task panicked");
                    Some(Transition::Fail(format!("the task panicked: {panic}")))
                }
            };
            if let Some(to) = to {
                super::outcome::record(&*store, &task_id, to).await;
            }
        }
        // Cancelled or deleted before it started: nothing to run.
        Ok(_) => {}
        Err(e) => {
            tracing::error!(task_id = %task_id, error = %e, "task not started: the store failed");
        }
    }
    tasks.running().remove(&task_id);
}
