//! Where task records live: the [`TaskStore`] trait, the [`TaskRecord`]
//! (`record`), and the two stores, in memory (`memory`) and in Redis
//! (`redis`, feature `redis`).

pub(crate) mod memory;
pub(crate) mod record;
#[cfg(feature = "redis")]
pub(crate) mod redis;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use record::{TaskRecord, Transition};

use crate::tasks::QuotaKind;

/// A boxed, `Send` future, as [`TaskStore`] methods return.
///
/// # Examples
///
/// A helper over any store, in the stores' own object-safe style:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::tasks::{BoxFuture, MemoryTaskStore, StoreError, TaskRecord, TaskStatus, TaskStore};
///
/// fn status_of<'a>(
///     store: &'a dyn TaskStore,
///     task_id: &'a str,
/// ) -> BoxFuture<'a, Result<Option<TaskStatus>, StoreError>> {
///     Box::pin(async move { Ok(store.get(task_id).await?.map(|r| r.status)) })
/// }
///
/// let store = MemoryTaskStore::new();
/// store.create(TaskRecord::pending("t-1", None, "resize")).await.unwrap();
/// assert_eq!(status_of(&store, "t-1").await.unwrap(), Some(TaskStatus::Pending));
/// assert_eq!(status_of(&store, "t-2").await.unwrap(), None);
/// # }
/// ```
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a store could not do what was asked. Storage knows nothing of HTTP:
/// the `/tasks` routes and task endpoints map it to their answers (`503`
/// problem+json with `Retry-After` and a generic detail; the error, with
/// its causes, goes to the log).
///
/// ```
/// use std::error::Error;
/// use qh::tasks::StoreError;
///
/// let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "broken pipe");
/// let e = StoreError::unavailable(io);
/// assert!(matches!(e, StoreError::Unavailable(_)));
/// assert_eq!(e.to_string(), "task store error");
/// assert_eq!(e.source().unwrap().to_string(), "broken pipe");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The store is at capacity and every record in it is unfinished (none
    /// can be evicted).
    Full,
    /// The backend failed (connection lost, timed out, refused…); the
    /// backend's own error is the [`source`](std::error::Error::source).
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
    /// A record in the backend cannot be read: `field` is missing or
    /// malformed (written by hand, say, or by another program).
    Malformed {
        /// The record's field that cannot be read.
        field: &'static str,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full => f.write_str("the task store is full of unfinished tasks"),
            Self::Unavailable(_) => f.write_str("task store error"),
            Self::Malformed { field } => write!(f, "malformed task record: {field}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unavailable(e) => Some(&**e),
            Self::Full | Self::Malformed { .. } => None,
        }
    }
}

impl StoreError {
    /// [`Unavailable`](Self::Unavailable), caused by the backend's `error`.
    pub fn unavailable(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Unavailable(error.into())
    }
}

/// Which records [`TaskStore::list`] returns: those matching every filter
/// that is set. Made with [`ListFilter::new`] (it will grow filters), then
/// narrowed with its setters.
///
/// ```
/// let filter = qh::tasks::ListFilter::new(10).request_id("req-1").owner("ada");
/// assert_eq!(filter.limit, 10);
/// assert_eq!(filter.owner.as_deref(), Some("ada"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListFilter {
    /// Only tasks submitted by the request with this ID.
    pub request_id: Option<String>,
    /// Only tasks whose [`owner`](TaskRecord::owner) is this one (`None`:
    /// whoever owns them, or no one).
    pub owner: Option<String>,
    /// At most this many, newest first.
    pub limit: usize,
}

impl ListFilter {
    /// At most `limit` records, newest first, whoever submitted them.
    #[must_use]
    pub fn new(limit: usize) -> Self {
        Self {
            request_id: None,
            owner: None,
            limit,
        }
    }

    /// Only tasks submitted by the request with this ID.
    #[must_use]
    pub fn request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Only tasks whose [`owner`](TaskRecord::owner) is `owner`.
    #[must_use]
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }
}

/// The per-key bounds a store applies when it admits a record
/// ([`TaskStore::admit`]), from the runner's [`Quota`](crate::tasks::Quota):
/// they apply to the records of the new record's
/// [`quota_key`](TaskRecord::quota_key), and a record without one is not
/// bounded.
///
/// ```
/// let limits = qh::tasks::Limits::new().running(10).kept(100);
/// assert_eq!((limits.running, limits.kept), (Some(10), Some(100)));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The most unfinished (pending or running) tasks one key may have.
    pub running: Option<usize>,
    /// The most records one key may have kept, finished or not. At the
    /// bound, the key's own oldest finished record makes room; when all of
    /// them are unfinished, the submission is refused.
    pub kept: Option<usize>,
}

impl Limits {
    /// No bounds.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `n` unfinished tasks per key.
    #[must_use]
    pub fn running(mut self, n: usize) -> Self {
        self.running = Some(n);
        self
    }

    /// At most `n` records per key.
    #[must_use]
    pub fn kept(mut self, n: usize) -> Self {
        self.kept = Some(n);
        self
    }
}

/// What [`TaskStore::admit`] did with a new record.
///
/// # Examples
///
/// A second submission with the same `Idempotency-Key` gets the first one's
/// task:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), qh::tasks::StoreError> {
/// use qh::tasks::{Admitted, Limits, MemoryTaskStore, TaskRecord, TaskStore};
///
/// fn submission(task_id: &str) -> TaskRecord {
///     let mut record = TaskRecord::pending(task_id, None, "resize");
///     record.quota_key = Some("ada".into());
///     record.idempotency_key = Some("order-7".into());
///     record
/// }
///
/// let store = MemoryTaskStore::new();
/// assert!(matches!(store.admit(submission("t-1"), Limits::new()).await?, Admitted::Created));
/// match store.admit(submission("t-2"), Limits::new()).await? {
///     Admitted::Existing(first) => assert_eq!(first.task_id, "t-1"),
///     other => panic!("unexpected {other:?}"),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Admitted {
    /// Stored: the task is to run.
    Created,
    /// Its [`idempotency_key`](TaskRecord::idempotency_key) was seen before
    /// from the same [`quota_key`](TaskRecord::quota_key), with the same
    /// [`fingerprint`](TaskRecord::fingerprint): the first submission's
    /// record, and nothing stored.
    Existing(Box<TaskRecord>),
    /// The same key was seen with another fingerprint: nothing stored.
    KeyReused,
    /// Storing it would break one of the [`Limits`]: nothing stored.
    OverQuota(QuotaKind),
}

/// What one [`TaskStore::sweep`] did.
///
/// # Examples
///
/// What a runner does with a sweep's answer (a store in one process never
/// loses a task, so it finds none):
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), qh::tasks::StoreError> {
/// use qh::tasks::{MemoryTaskStore, Sweep, TaskStore};
///
/// let store = MemoryTaskStore::new();
/// let served = vec!["POST /resize".to_owned()];
/// let Sweep { claimed, lost, .. } = store.sweep(&served, 16).await?;
/// for record in &claimed {
///     println!("running {} again (attempt {})", record.task_id, record.attempt);
/// }
/// for record in &lost {
///     eprintln!("task {} lost: {:?}", record.task_id, record.error);
/// }
/// assert!(claimed.is_empty() && lost.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Sweep {
    /// Tasks whose instance was lost (or which were handed back), now
    /// held by this store instance and counted as started again (status
    /// running, `attempt` one more): the runner runs each from its
    /// [`invocation`](TaskRecord::invocation).
    pub claimed: Vec<TaskRecord>,
    /// Tasks whose instance was lost and which cannot run again (no
    /// invocation, or every attempt used): now failed, with the reason in
    /// `error`. The runner logs each.
    pub lost: Vec<TaskRecord>,
}

/// Storage for task records, shared by every instance that can see it.
///
/// Object safe (`Arc<dyn TaskStore>`): each method returns a boxed future.
/// Records are only changed through [`transition`](Self::transition), which
/// applies [`TaskRecord::apply`]'s rules atomically (finished records never
/// change), so a cancellation and a completion racing each other leave one
/// consistent outcome.
///
/// Implementations: [`MemoryTaskStore`](crate::tasks::MemoryTaskStore) (one process)
/// and, with the feature `redis`, `RedisTaskStore` (many instances).
///
/// The record's [`owner`](TaskRecord::owner) travels with it: a store keeps
/// what [`create`](Self::create) was given and returns it from every read,
/// and [`list`](Self::list) honours [`ListFilter::owner`]. The store never
/// decides who may see a record; the [`routes`](crate::tasks::router()) do, from
/// the owner the store gives back.
///
/// ```
/// use std::sync::Arc;
/// use qh::tasks::{MemoryTaskStore, TaskStore};
///
/// let store: Arc<dyn TaskStore> = Arc::new(MemoryTaskStore::new());
/// ```
pub trait TaskStore: Send + Sync + 'static {
    /// Stores a new (pending) record.
    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The record of `task_id`, if known.
    fn get<'a>(&'a self, task_id: &'a str)
        -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>>;

    /// Applies `to` if the record's status allows it; returns the record as
    /// it is afterwards (changed or not), `None` when unknown.
    fn transition<'a>(
        &'a self,
        task_id: &'a str,
        to: Transition,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>>;

    /// Records matching `filter`, newest first.
    fn list<'a>(
        &'a self,
        filter: &'a ListFilter,
    ) -> BoxFuture<'a, Result<Vec<TaskRecord>, StoreError>>;

    /// Removes the record; `false` when it was unknown.
    fn delete<'a>(&'a self, task_id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Waits until the task has finished or `timeout` has passed, then
    /// returns its record as it is (`None` when unknown or deleted).
    fn wait<'a>(
        &'a self,
        task_id: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>>;

    /// A future the instance running `task_id` polls for as long as the task
    /// runs; it resolves when the task must stop: cancelled (from any
    /// instance) or its record removed. Stores may do liveness work in it
    /// (`RedisTaskStore` renews the task's lease there, and resolves when
    /// another instance has taken the task over).
    fn watch(&self, task_id: &str) -> BoxFuture<'static, ()>;

    /// Stores a new record as a submission asks, in one atomic step: the
    /// first submission's record when its
    /// [`idempotency_key`](TaskRecord::idempotency_key) was seen before,
    /// a refusal when the record's [`quota_key`](TaskRecord::quota_key) is
    /// at one of `limits`, else the record (making room by evicting that
    /// key's own oldest finished record when it is at `kept`; never
    /// another key's).
    ///
    /// The default stores the record with [`create`](Self::create) and
    /// applies neither keys nor limits: a store of your own overrides it to
    /// honour them.
    fn admit<'a>(
        &'a self,
        record: TaskRecord,
        limits: Limits,
    ) -> BoxFuture<'a, Result<Admitted, StoreError>> {
        let _ = limits;
        Box::pin(async move { self.create(record).await.map(|()| Admitted::Created) })
    }

    /// The record of `task_id` if its [`owner`](TaskRecord::owner) is
    /// `owner`, else `None`, as if unknown. Stores compare the owner
    /// before reading the rest of the record, so that another owner's task
    /// and an unknown ID cost the same (no timing oracle); the default reads
    /// the record first.
    fn get_for<'a>(
        &'a self,
        task_id: &'a str,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        Box::pin(async move {
            let record = self.get(task_id).await?;
            Ok(record.filter(|r| r.owner.as_deref() == Some(owner)))
        })
    }

    /// How often each runner on this store sweeps it
    /// ([`sweep`](Self::sweep)); `None` (the default) for a store no other
    /// instance sees, such as [`MemoryTaskStore`](crate::tasks::MemoryTaskStore):
    /// its tasks have no other instance to run them, and a shutdown that
    /// gives up on them records them cancelled rather than handing them
    /// back.
    fn sweep_every(&self) -> Option<Duration> {
        None
    }

    /// Looks for tasks whose instance was lost: claims up to `limit` of
    /// those whose invocation's [`route`](crate::tasks::Invocation::route) is
    /// one of `routes` (this runner's registered endpoints) and that have
    /// attempts left, fails those that cannot run again, and leaves the
    /// others to instances that serve them. The default finds nothing.
    fn sweep<'a>(
        &'a self,
        routes: &'a [String],
        limit: usize,
    ) -> BoxFuture<'a, Result<Sweep, StoreError>> {
        let _ = (routes, limit);
        Box::pin(std::future::ready(Ok(Sweep::default())))
    }
}
