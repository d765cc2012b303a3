//! [`Runner`]: the app's task runner. It submits work as tasks, runs it
//! with the submitting request's context, and cancels it; its
//! configuration is fixed when it is built ([`RunnerBuilder`]).
//!
//! Here the runner's state, its construction, getters and cancellation;
//! submitting and spawning tasks in `submit`, the sweep of a shared store
//! for lost tasks in `sweep`.

mod submit;
mod sweep;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::task::AbortHandle;

use super::http::waiting::Waiters;
use super::owner::{Caller, OwnerFn, OwnerHook};
use super::replay::Registered;
use super::{CallerTasks, Quota, RunnerBuilder, StoreError, TaskRecord, TaskStore, Transition};
use crate::context::shutdown::{LeftBehind, Shutdown};
use crate::support::sync::lock;

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
    pub(super) max_attempts: u32,
    pub(super) backoff: (Duration, Duration),
    pub(super) quota: Quota,
    pub(super) endpoints: HashMap<String, Registered>,
    pub(super) shutdown: Option<Shutdown>,
}

pub(super) struct Inner {
    pub(super) config: Config,
    // Tasks this instance runs, so a local cancel aborts them at once, and
    // the shutdown each counts toward.
    running: Mutex<HashMap<String, Running>>,
    /// The `?wait=true` requests waiting now.
    pub(super) waiters: Waiters,
    /// Whether the sweep of a shared store runs.
    sweeping: AtomicBool,
    /// Task endpoints that submitted through this runner without being
    /// registered with it (each said once).
    unregistered: Mutex<HashSet<String>>,
}

/// A task running here: how to stop it, the shutdown it counts toward,
/// and whether another instance can run it again.
pub(super) struct Running {
    pub(super) handle: AbortHandle,
    pub(super) shutdown: Option<Shutdown>,
    pub(super) rerunnable: bool,
}

impl LeftBehind for Inner {
    /// Aborts every task running here for `shutdown`'s app (so none writes
    /// an outcome afterwards), then hands each back for another instance
    /// (a store shared by instances, a task that can run again) or records
    /// it abandoned.
    fn abandon<'a>(
        &'a self,
        shutdown: &'a Shutdown,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        let stopped: Vec<(String, bool)> = {
            let mut running = lock(&self.running);
            let ids: Vec<String> = running
                .iter()
                .filter(|(_, r)| r.shutdown.as_ref().is_some_and(|s| s.same(shutdown)))
                .map(|(id, _)| id.clone())
                .collect();
            ids.into_iter()
                .filter_map(|id| {
                    let r = running.remove(&id)?;
                    r.handle.abort();
                    Some((id, r.rerunnable))
                })
                .collect()
        };
        let shared = self.config.store.sweep_every().is_some();
        super::outcome::abandon(&*self.config.store, stopped, shared)
    }
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("running_here", &self.running_here())
            .field("listing", &self.listing())
            .field("expose_errors", &self.expose_errors())
            .field("max_waiters", &self.max_waiters())
            .field("max_attempts", &self.max_attempts())
            .field("quota", &self.quota())
            .field("endpoints", &self.endpoints())
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

    /// A builder: a [`MemoryTaskStore`](super::MemoryTaskStore), no owner
    /// hook, the listing off, errors hidden, the waiter bound derived from
    /// the process's limits, 3 attempts, the default [`Quota`], no
    /// endpoint registered, until set otherwise.
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
        let runner = Self {
            inner: Arc::new(Inner {
                config,
                running: Mutex::new(HashMap::new()),
                waiters: Waiters::default(),
                sweeping: AtomicBool::new(false),
                unregistered: Mutex::new(HashSet::new()),
            }),
        };
        if let Some(shutdown) = &runner.inner.config.shutdown {
            let weak: Weak<dyn LeftBehind> = Arc::downgrade(&runner.inner) as _;
            shutdown.on_drain_timeout(weak);
        }
        runner.sweep_from_now();
        runner
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

    /// The most attempts a task takes (see [`RunnerBuilder::max_attempts`]).
    #[must_use]
    pub fn max_attempts(&self) -> u32 {
        self.inner.config.max_attempts
    }

    /// The pause before the first retry, and the longest (see
    /// [`RunnerBuilder::backoff`]).
    #[must_use]
    pub fn backoff(&self) -> (Duration, Duration) {
        self.inner.config.backoff
    }

    /// How much one caller may hold (see [`RunnerBuilder::quota`]).
    #[must_use]
    pub fn quota(&self) -> &Quota {
        &self.inner.config.quota
    }

    /// The routes (`METHOD /path`) of the task endpoints registered with
    /// the runner, whose tasks this instance takes over from lost ones (see
    /// [`RunnerBuilder::endpoint`]), sorted.
    #[must_use]
    pub fn endpoints(&self) -> Vec<&str> {
        let mut routes: Vec<&str> = self
            .inner
            .config
            .endpoints
            .keys()
            .map(String::as_str)
            .collect();
        routes.sort_unstable();
        routes
    }

    /// The app's shutdown the runner's own work counts toward (see
    /// [`RunnerBuilder::shutdown`]), if it was given one.
    ///
    /// ```
    /// assert!(qh::tasks::Runner::default().shutdown().is_none());
    /// ```
    #[must_use]
    pub fn shutdown(&self) -> Option<&Shutdown> {
        self.inner.config.shutdown.as_ref()
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
        self.inner.waiters.now()
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
        self.sweep_from_now();
        CallerTasks::new(
            self.clone(),
            Caller::of(self.inner.config.owner.as_ref(), parts),
            parts,
        )
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

    pub(super) fn running(&self) -> MutexGuard<'_, HashMap<String, Running>> {
        lock(&self.inner.running)
    }
}
