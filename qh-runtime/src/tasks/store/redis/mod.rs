//! [`RedisTaskStore`]: task records in Redis, shared by every instance of
//! an app (feature `redis`).

mod connection;
mod creation;
mod events;
mod options;
mod scripts;

use connection::{millis, with_retry};
use events::{forward_events, parse, Event, RawRecord};
pub use options::RedisOptions;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio::sync::{broadcast, oneshot};
use tokio::time::Instant;

use crate::support::chain::Chain;
use crate::tasks::store::record::seconds;
use crate::tasks::store::BoxFuture;
use crate::tasks::{ListFilter, StoreError, TaskRecord, TaskStatus, TaskStore, Transition};

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
/// - A running task holds a lease (`{prefix}:lease:{id}`) its instance
///   renews every third of [`RedisOptions::lease`]; when an instance dies,
///   the lease expires and the next read marks the task failed. That
///   failure is provisional for the instance holding the lease (it was only
///   cut off, say): its next renewal makes the task running again, and its
///   outcome replaces the failure.
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
        let conn = connection::manager(&client, &options).await?;
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
                _shutdown: shutdown,
            }),
        })
    }

    /// The options it was connected with.
    #[must_use]
    pub fn options(&self) -> &RedisOptions {
        &self.inner.options
    }

    /// How many round trips to Redis this store has made (for metrics and
    /// measurements).
    #[must_use]
    pub fn round_trips(&self) -> u64 {
        self.inner.round_trips.load(Ordering::Relaxed)
    }

    fn key(&self, kind: &str, id: &str) -> String {
        format!("{}:{kind}:{id}", self.inner.options.prefix)
    }

    /// The sorted set listing the tasks of a request, of an owner, of both
    /// or of everyone. Owners are hex-encoded: any string the owner hook
    /// returns makes a key of its own (no `:` in it to collide with
    /// another's), and never a key another kind of index uses.
    fn index(&self, request_id: Option<&str>, owner: Option<&str>) -> String {
        let prefix = &self.inner.options.prefix;
        let hex = |o: &str| o.bytes().map(|b| format!("{b:02x}")).collect::<String>();
        match (owner, request_id) {
            (None, None) => format!("{prefix}:all"),
            (None, Some(rid)) => format!("{prefix}:req:{rid}"),
            (Some(o), None) => format!("{prefix}:own:{}", hex(o)),
            (Some(o), Some(rid)) => format!("{prefix}:own:{}:req:{rid}", hex(o)),
        }
    }

    fn conn(&self) -> ConnectionManager {
        self.inner.round_trips.fetch_add(1, Ordering::Relaxed);
        self.inner.conn.clone()
    }

    /// Runs a script (once more if its connection was lost).
    async fn run<T: redis::FromRedisValue>(
        &self,
        script: &redis::ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        with_retry(|| {
            let mut conn = self.conn();
            async move { script.invoke_async(&mut conn).await }
        })
        .await
    }

    async fn read(&self, task_id: &str) -> Result<Option<TaskRecord>, StoreError> {
        let raw: Option<RawRecord> = self
            .run(
                scripts::GET
                    .key(self.key("task", task_id))
                    .key(self.key("lease", task_id))
                    .arg(seconds(std::time::SystemTime::now()))
                    .arg(millis(self.inner.options.ttl))
                    .arg(&self.inner.channel)
                    .arg(task_id),
            )
            .await?;
        raw.map(|raw| parse(task_id, raw)).transpose()
    }

    /// Renews the lease of an unfinished task; its status afterwards.
    async fn renew(&self, task_id: &str) -> Result<Option<TaskStatus>, StoreError> {
        let status: Option<String> = self
            .run(
                scripts::RENEW
                    .key(self.key("task", task_id))
                    .key(self.key("lease", task_id))
                    .arg(millis(self.inner.options.lease))
                    .arg(millis(self.inner.options.ttl))
                    .arg(&self.inner.holder)
                    .arg(&self.inner.channel)
                    .arg(task_id),
            )
            .await?;
        Ok(status.and_then(|s| s.parse().ok()))
    }

    /// Waits for an event about `task_id` (or a lost subscription) until
    /// `until`.
    async fn next_event(rx: &mut broadcast::Receiver<Event>, task_id: &str, until: Instant) {
        loop {
            tokio::select! {
                event = rx.recv() => match event {
                    Ok(event) if event.is_about(task_id) => return,
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => return,
                    Err(broadcast::error::RecvError::Closed) => {
                        tokio::time::sleep_until(until).await;
                        return;
                    }
                },
                () = tokio::time::sleep_until(until) => return,
            }
        }
    }
}

impl TaskStore for RedisTaskStore {
    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let pipe = creation::pipeline(self, &record);
            let pipe = &pipe;
            with_retry(|| {
                let mut conn = self.conn();
                async move { pipe.query_async::<()>(&mut conn).await }
            })
            .await
        })
    }

    fn get<'a>(
        &'a self,
        task_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        Box::pin(self.read(task_id))
    }

    fn transition<'a>(
        &'a self,
        task_id: &'a str,
        to: Transition,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        Box::pin(async move {
            let (kind, payload) = match to {
                Transition::Start => ("start", String::new()),
                Transition::Complete(value) => ("complete", value.to_string()),
                Transition::Fail(error) => ("fail", error),
                Transition::Cancel => ("cancel", String::new()),
                Transition::Abandon(reason) => ("abandon", reason),
            };
            let raw: Option<RawRecord> = self
                .run(
                    scripts::TRANSITION
                        .key(self.key("task", task_id))
                        .key(self.key("lease", task_id))
                        .arg(kind)
                        .arg(seconds(std::time::SystemTime::now()))
                        .arg(payload)
                        .arg(millis(self.inner.options.ttl))
                        .arg(&self.inner.channel)
                        .arg(task_id)
                        .arg(&self.inner.holder),
                )
                .await?;
            raw.map(|raw| parse(task_id, raw)).transpose()
        })
    }

    fn list<'a>(
        &'a self,
        filter: &'a ListFilter,
    ) -> BoxFuture<'a, Result<Vec<TaskRecord>, StoreError>> {
        Box::pin(async move {
            if filter.limit == 0 {
                return Ok(Vec::new());
            }
            let index = self.index(filter.request_id.as_deref(), filter.owner.as_deref());
            let found: Vec<(String, RawRecord)> = self
                .run(
                    scripts::LIST
                        .key(index)
                        .arg(filter.limit)
                        .arg(seconds(std::time::SystemTime::now()))
                        .arg(millis(self.inner.options.ttl))
                        .arg(&self.inner.channel)
                        .arg(&self.inner.options.prefix),
                )
                .await?;
            // One bad record (written by hand, by an older version…) must
            // not hide every other: it is skipped, and logged.
            Ok(found
                .into_iter()
                .filter_map(|(id, raw)| match parse(&id, raw) {
                    Ok(record) => Some(record),
                    Err(e) => {
                        tracing::warn!(task_id = %id, error = %e, "task listing: record skipped");
                        None
                    }
                })
                .collect())
        })
    }

    fn delete<'a>(&'a self, task_id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let removed: i64 = self
                .run(
                    scripts::DELETE
                        .key(self.key("task", task_id))
                        .key(self.key("lease", task_id))
                        .key(format!("{}:all", self.inner.options.prefix))
                        .arg(&self.inner.options.prefix)
                        .arg(&self.inner.channel)
                        .arg(task_id),
                )
                .await?;
            Ok(removed == 1)
        })
    }

    fn wait<'a>(
        &'a self,
        task_id: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        Box::pin(async move {
            let deadline = Instant::now() + timeout;
            // Subscribed before the first read, so no change is missed.
            let mut rx = self.inner.events.subscribe();
            loop {
                let record = self.read(task_id).await?;
                let unfinished = record.as_ref().is_some_and(|r| !r.status.is_finished());
                let now = Instant::now();
                if !unfinished || now >= deadline {
                    return Ok(record);
                }
                let until = deadline.min(now + self.inner.options.poll);
                Self::next_event(&mut rx, task_id, until).await;
            }
        })
    }

    fn watch(&self, task_id: &str) -> BoxFuture<'static, ()> {
        let store = self.clone();
        let task_id = task_id.to_owned();
        Box::pin(async move {
            let mut rx = store.inner.events.subscribe();
            let every = store.inner.options.lease / 3;
            loop {
                match store.renew(&task_id).await {
                    Ok(Some(TaskStatus::Pending | TaskStatus::Running)) => {}
                    // Cancelled, failed by a lease check, or deleted: stop.
                    Ok(_) => return,
                    // Keep working: the next renewal retries before the
                    // lease (three renewals long) runs out.
                    Err(e) => {
                        tracing::warn!(task_id = %task_id, error = %Chain(&e), "task lease not renewed");
                    }
                }
                Self::next_event(&mut rx, &task_id, Instant::now() + every).await;
            }
        })
    }
}
