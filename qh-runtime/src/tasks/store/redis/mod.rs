//! [`RedisTaskStore`]: task records in Redis, shared by every instance of
//! an app (feature `redis`).
//!
//! Here the store's state, its connection and the clock it keeps against
//! Redis's; the [`TaskStore`](crate::tasks::TaskStore) calls in
//! `task_store`, the scripts they run in `scripts` (a submission's
//! arguments in `creation`, their answers in `replies`), key names in
//! `keys`, the events subscription and record parsing in `events`, bounded
//! connections in `connection`, settings in `options`.

mod connection;
mod creation;
mod events;
mod keys;
mod options;
mod replies;
mod scripts;
mod task_store;

use connection::{millis, with_retry};
use events::{forward_events, Event};
pub use options::RedisOptions;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use redis::aio::ConnectionManager;
use tokio::sync::{broadcast, oneshot};

use crate::tasks::StoreError;
#[cfg(doc)]
use crate::tasks::TaskStore;

/// Task records in Redis, so that a task submitted to one instance is
/// visible, waitable and cancellable from every other.
///
/// - Each record is a hash `{prefix}:task:{id}` with a time to live
///   ([`RedisOptions::ttl`], counted from completion); listing indexes are
///   sorted sets (`{prefix}:all`, `{prefix}:req:{request_id}`, and for a
///   task with an [owner](crate::tasks::TaskRecord::owner) `{prefix}:own:{hex}`
///   and `{prefix}:own:{hex}:req:{request_id}`, the owner hex-encoded).
/// - Every status change is one Lua script (one round trip): atomic, and
///   published on `{prefix}:events`. Each store keeps one subscription and
///   wakes its waiters, and the [`watch`](TaskStore::watch) of the instance
///   running a cancelled task, within milliseconds.
/// - An unfinished task holds a lease (its score in the sorted set
///   `{prefix}:live`, on Redis's clock) that its instance renews every
///   third of [`RedisOptions::lease`]. A lease past its end gets one lease
///   more of grace (its instance may only have been cut off, and renews
///   when it can); past that, its instance is lost: a task that can run
///   again (submitted through a task endpoint, attempts left) goes back to
///   `pending` for an instance serving its endpoint to claim (each
///   runner's [sweep](TaskStore::sweep), every third of a lease), any
///   other fails. A terminal status never changes afterwards.
/// - A submission is one script: its idempotency key, its caller's quota
///   (`{prefix}:quota:{hex}:running` and `:kept`), the record and its
///   indexes. One Redis ran after the submitting request gave up on it
///   (a paused Redis) stores nothing.
/// - Every command is bounded ([`RedisOptions::response_timeout`],
///   [`RedisOptions::connect_timeout`]): while Redis is down or paused,
///   calls fail within those bounds (the routes answer 503 with
///   `Retry-After`), and the first call after Redis is back reconnects; a
///   command whose connection was lost is sent once more.
///
/// Uses keys computed inside scripts: fine on a single Redis or a
/// replicated one, not on Redis Cluster.
///
/// ```no_run
/// # async fn run() -> Result<(), qh::tasks::StoreError> {
/// use qh::tasks::{RedisTaskStore, Runner};
///
/// let store = RedisTaskStore::connect("redis://127.0.0.1:6379/").await?;
/// let runner = Runner::new(store);
/// let app: axum::Router = qh::tasks::router().layer(axum::Extension(runner));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisTaskStore {
    inner: Arc<Inner>,
}

struct Inner {
    conn: ConnectionManager,
    options: RedisOptions,
    channel: String,
    events: broadcast::Sender<Event>,
    // Names this store instance as the holder of the leases of the tasks it
    // runs (see the scripts' module doc).
    holder: String,
    round_trips: AtomicU64,
    // Redis's clock minus ours, in ms: submissions carry a deadline on
    // Redis's clock.
    offset_ms: AtomicI64,
    // Dropped with the store: stops its subscriber task.
    _shutdown: oneshot::Sender<()>,
}

impl std::fmt::Debug for RedisTaskStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTaskStore")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl RedisTaskStore {
    /// Connects with the default [`RedisOptions`].
    ///
    /// # Errors
    ///
    /// When the URL is invalid or Redis cannot be reached.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, RedisOptions::default()).await
    }

    /// Connects (a connection manager for commands, one subscription for
    /// events) with these options.
    ///
    /// # Errors
    ///
    /// When the URL is invalid or Redis cannot be reached.
    pub async fn connect_with(url: &str, options: RedisOptions) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(connection::backend)?;
        let mut conn = connection::manager(&client, &options).await?;
        let (secs, micros): (i64, i64) = redis::cmd("TIME")
            .query_async(&mut conn)
            .await
            .map_err(connection::backend)?;
        let channel = format!("{}:events", options.prefix);
        let pubsub = connection::subscribe(&client, &channel, &options).await?;
        let (events, _) = broadcast::channel(1024);
        let (shutdown, stopped) = oneshot::channel();
        tokio::spawn(forward_events(
            client,
            channel.clone(),
            options.clone(),
            pubsub,
            events.clone(),
            stopped,
        ));
        Ok(Self {
            inner: Arc::new(Inner {
                conn,
                options,
                channel,
                events,
                holder: uuid::Uuid::new_v4().to_string(),
                round_trips: AtomicU64::new(0),
                offset_ms: AtomicI64::new(secs * 1000 + micros / 1000 - local_ms()),
                _shutdown: shutdown,
            }),
        })
    }

    /// The options it was connected with.
    #[must_use]
    pub fn options(&self) -> &RedisOptions {
        &self.inner.options
    }

    /// How many round trips to Redis this store has completed (for metrics
    /// and measurements): one is counted when Redis's answer (or the
    /// connection's failure) is back, so a count seen includes every
    /// answer it counts.
    #[must_use]
    pub fn round_trips(&self) -> u64 {
        self.inner.round_trips.load(Ordering::Relaxed)
    }

    /// Runs a script (once more if its connection was lost).
    async fn run<T: redis::FromRedisValue>(
        &self,
        script: &redis::ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        let inner = &*self.inner;
        with_retry(|| {
            let mut conn = inner.conn.clone();
            async move {
                let answer = script.invoke_async(&mut conn).await;
                inner.round_trips.fetch_add(1, Ordering::Relaxed);
                answer
            }
        })
        .await
    }

    /// The grace a lapsed lease gets (one lease).
    fn grace(&self) -> u64 {
        millis(self.inner.options.lease)
    }

    /// Now on Redis's clock (as last measured against ours), in ms.
    fn redis_now_ms(&self) -> i64 {
        local_ms() + self.inner.offset_ms.load(Ordering::Relaxed)
    }
}

fn local_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
