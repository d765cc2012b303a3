//! [`Runner`]: the app's task runner. It submits work as tasks, runs it
//! with the submitting request's context, and cancels it; its
//! configuration is fixed when it is built ([`RunnerBuilder`]).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use serde::Serialize;
use tokio::task::AbortHandle;

use super::attempts::{self, Task};
use super::error::outcome_of;
use super::http::waiting::Waiters;
use super::owner::{Caller, OwnerFn, OwnerHook};
use super::replay::{Registered, Replay, Work};
use super::store::Admitted;
use super::{
    CallerTasks, Quota, RunnerBuilder, StoreError, SubmitError, Submitted, TaskRecord, TaskStore,
    Transition,
};
use crate::context::shutdown::{LeftBehind, Shutdown};
use crate::context::Context;
use crate::support::chain::Chain;

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

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
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

    /// Records a task for the function `endpoint` and runs `work` in the
    /// background: pending → running → completed (the `Ok` value as JSON) or
    /// failed (the `Err` message, or the panic message).
    ///
    /// The task runs with a copy of the current request's context, so
    /// [`request_id`](crate::request_id) and its log lines carry the
    /// submitting request's ID; its `task` span (fields `task_id`,
    /// `endpoint`, `request_id`, `attempt`) follows from the request's
    /// span. It counts toward the request's
    /// [`Shutdown`](crate::background::Shutdown), if it has one (else the
    /// runner's, [`RunnerBuilder::shutdown`]).
    ///
    /// Submitted through the runner itself, the task has no
    /// [owner](TaskRecord::owner) and counts against no
    /// [quota](RunnerBuilder::quota): with an owner hook, no one can see it
    /// (inside a request that is logged at WARN, as a request's
    /// [`CallerTasks`] was most likely meant). Submit through
    /// [`CallerTasks::submit`] to record the caller as its owner. A future
    /// cannot be run again: if its instance is lost, the task fails.
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
        E: std::fmt::Display,
    {
        self.submit_json(endpoint, async move { outcome_of(work.await) })
            .await
    }

    /// [`submit`](Self::submit) for work that already produces a
    /// [`TaskOutcome`](super::TaskOutcome).
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
        F: Future<Output = super::TaskOutcome> + Send + 'static,
    {
        let submission = super::caller::Submission {
            owner: Caller::NotAsked
                .submission_owner(self.owner().is_some(), Context::current().is_some())?,
            quota_key: None,
            idempotency_key: None,
        };
        self.submit_record(submission, endpoint, Box::pin(work), None)
            .await
    }

    /// Submits `work` for the caller of `tasks` (see
    /// [`submit`](Self::submit)), with `replay` when it can run again.
    pub(super) async fn submit_as(
        &self,
        tasks: &CallerTasks,
        endpoint: &str,
        work: Work,
        replay: Option<Replay>,
    ) -> Result<Submitted, SubmitError> {
        let submission = tasks.submission(Context::current().is_some())?;
        self.submit_record(submission, endpoint, work, replay).await
    }

    async fn submit_record(
        &self,
        submission: super::caller::Submission,
        endpoint: &str,
        work: Work,
        replay: Option<Replay>,
    ) -> Result<Submitted, SubmitError> {
        self.sweep_from_now();
        let ctx = Context::current();
        let request_id = ctx.as_ref().map(|c| c.id().clone());
        let task_id = uuid::Uuid::new_v4().to_string();
        let mut record = TaskRecord::pending(task_id.clone(), request_id.clone(), endpoint)
            .owned_by(submission.owner);
        record.max_attempts = self.max_attempts();
        record.quota_key = submission.quota_key;
        record.idempotency_key = submission.idempotency_key;
        if let Some(invocation) = replay.as_ref().and_then(|r| r.invocation.as_ref()) {
            self.check_registered(invocation.route());
            record.invocation = Some(invocation.clone());
        }
        let rerunnable = record.invocation.is_some();
        match self.store().admit(record, self.quota().limits()).await? {
            Admitted::Created => crate::context::meter::tasks::submitted(endpoint),
            Admitted::Existing(first) => {
                return Ok(Submitted::new(first.task_id, first.request_id))
            }
            Admitted::KeyReused => return Err(SubmitError::KeyReused),
            Admitted::OverQuota(quota) => {
                let limit = self.quota().of(quota).unwrap_or(0);
                return Err(SubmitError::OverQuota { quota, limit });
            }
        }

        // Counted from submission, so a drain right after it waits for it;
        // the runner is told when that drain gives up.
        let shutdown = ctx
            .as_ref()
            .and_then(Context::shutdown)
            .or(self.inner.config.shutdown.as_ref())
            .cloned();
        let task = Task {
            runner: self.clone(),
            id: task_id.clone(),
            endpoint: endpoint.to_owned(),
            request_id: request_id.clone(),
            rerunnable,
            retries: replay.as_ref().map_or(0, |r| r.retries),
            handed_back: 0,
            replay,
            origin: tracing::Span::current(),
        };
        self.spawn(task, Some((work, ctx.clone())), None, shutdown, ctx);
        Ok(Submitted::new(task_id, request_id))
    }

    /// Runs `task` in the background: `first` its first attempt's work
    /// (else made from its replay), `claimed` the attempt a sweep started.
    fn spawn(
        &self,
        task: Task,
        first: Option<(Work, Option<Context>)>,
        claimed: Option<u32>,
        shutdown: Option<Shutdown>,
        ctx: Option<Context>,
    ) {
        if let Some(shutdown) = &shutdown {
            let weak: Weak<dyn LeftBehind> = Arc::downgrade(&self.inner) as _;
            shutdown.on_drain_timeout(weak);
        }
        let counted = shutdown.as_ref().map(Shutdown::track);
        let id = task.id.clone();
        let rerunnable = task.rerunnable;
        let run = attempts::drive(task, first, claimed, counted);
        let run: Pin<Box<dyn Future<Output = ()> + Send>> = match ctx {
            Some(ctx) => Box::pin(ctx.scope(run)),
            None => Box::pin(run),
        };
        // Locked across the spawn: the task removes itself from the map when
        // done, which must not happen before it was added.
        let mut running = self.running();
        let handle = tokio::spawn(run);
        running.insert(
            id,
            Running {
                handle: handle.abort_handle(),
                shutdown,
                rerunnable,
            },
        );
    }

    /// Says once per endpoint when a task endpoint submits through a
    /// runner on a shared store that it is not registered with: no
    /// instance with this configuration would take its tasks over.
    fn check_registered(&self, route: &str) {
        if self.store().sweep_every().is_none() || self.inner.config.endpoints.contains_key(route) {
            return;
        }
        if lock(&self.inner.unregistered).insert(route.to_owned()) {
            tracing::warn!(
                route,
                "task endpoint not registered with the runner (`RunnerBuilder::endpoint`): \
                 this instance will not take its tasks over from lost instances"
            );
        }
    }

    /// Starts sweeping a shared store for lost tasks, once, if a tokio
    /// runtime runs here.
    fn sweep_from_now(&self) {
        let Some(every) = self.store().sweep_every() else {
            return;
        };
        if self.inner.sweeping.load(Ordering::Acquire) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.inner.sweeping.swap(true, Ordering::AcqRel) {
            return;
        }
        handle.spawn(sweep(Arc::downgrade(&self.inner), every));
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

/// How many lost tasks one sweep claims at most.
const CLAIMS_PER_SWEEP: usize = 32;

/// Sweeps the runner's shared store every `every` while the runner lives:
/// takes over the lost tasks of its registered endpoints (until its
/// shutdown begins), and lets the store fail those that cannot run again.
async fn sweep(runner: Weak<Inner>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(inner) = runner.upgrade() else {
            return;
        };
        let runner = Runner { inner };
        let config = &runner.inner.config;
        let stopping = config.shutdown.as_ref().is_some_and(Shutdown::begun);
        let routes: Vec<String> = if stopping {
            Vec::new()
        } else {
            config.endpoints.keys().cloned().collect()
        };
        match runner.store().sweep(&routes, CLAIMS_PER_SWEEP).await {
            Ok(sweep) => {
                for record in sweep.claimed {
                    runner.take_over(record);
                }
            }
            Err(e) => tracing::warn!(error = %Chain(&e), "task sweep failed"),
        }
    }
}

impl Runner {
    /// Runs a task a sweep claimed from a lost instance.
    fn take_over(&self, record: TaskRecord) {
        let registered = record
            .invocation
            .as_ref()
            .and_then(|i| self.inner.config.endpoints.get(i.route()));
        let (Some(invocation), Some(registered)) = (record.invocation.clone(), registered) else {
            return;
        };
        let ctx = record.request_id.clone().map(|id| invocation.context(id));
        let replay = Replay::stored(invocation, registered);
        let task = Task {
            runner: self.clone(),
            id: record.task_id,
            endpoint: record.endpoint,
            request_id: record.request_id,
            rerunnable: true,
            retries: replay.retries,
            handed_back: record.handed_back,
            replay: Some(replay),
            origin: tracing::Span::none(),
        };
        let shutdown = self.inner.config.shutdown.clone();
        self.spawn(task, None, Some(record.attempt), shutdown, ctx);
    }
}
