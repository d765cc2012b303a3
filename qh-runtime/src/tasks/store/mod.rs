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

/// A boxed, `Send` future, as [`TaskStore`] methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a store could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The store is at capacity and every record in it is unfinished (none
    /// can be evicted).
    Full,
    /// The backend failed (connection lost, bad data…).
    Backend(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full => f.write_str("the task store is full of unfinished tasks"),
            Self::Backend(why) => write!(f, "task store error: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    /// Whether this is a backend failure (an outage) rather than the store
    /// being full.
    #[must_use]
    pub fn is_backend(&self) -> bool {
        matches!(self, Self::Backend(_))
    }
}

/// The answer to a request the store refused: `503` problem+json with
/// `Retry-After` (5 s when full, 1 s for a backend failure) and a generic
/// detail: the backend's text goes to the log (one line, ERROR for a backend
/// failure, WARN when full, with the request's ID), never to the client.
///
/// ```
/// use axum::response::IntoResponse;
/// let res = qh::tasks::StoreError::Backend("broken pipe".into()).into_response();
/// assert_eq!(res.status(), 503);
/// assert_eq!(res.headers()["retry-after"], "1");
/// ```
impl axum::response::IntoResponse for StoreError {
    fn into_response(self) -> axum::response::Response {
        crate::tasks::store_failed(&self, "using the task store")
    }
}

/// Which records [`TaskStore::list`] returns: those matching every filter
/// that is set.
///
/// ```
/// let filter = qh::tasks::ListFilter {
///     request_id: Some("req-1".into()),
///     owner: Some("ada".into()),
///     limit: 10,
/// };
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListFilter {
    /// Only tasks submitted by the request with this ID.
    pub request_id: Option<String>,
    /// Only tasks whose [`owner`](TaskRecord::owner) is this one (`None`:
    /// whoever owns them, or no one).
    pub owner: Option<String>,
    /// At most this many, newest first.
    pub limit: usize,
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
    /// (`RedisTaskStore` renews the task's lease there).
    fn watch(&self, task_id: &str) -> BoxFuture<'static, ()>;
}
