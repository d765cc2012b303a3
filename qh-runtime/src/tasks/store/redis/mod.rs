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

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::ConnectionManager;
use tokio::sync::{broadcast, oneshot};
use tokio::time::Instant;

use crate::support::chain::Chain;
use crate::tasks::store::record::seconds;
use crate::tasks::store::{Admitted, BoxFuture, Limits, Sweep};
use crate::tasks::{
    ListFilter, QuotaKind, StoreError, TaskRecord, TaskStatus, TaskStore, Transition,
};

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

    /// How many round trips to Redis this store has made (for metrics and
    /// measurements).
    #[must_use]
    pub fn round_trips(&self) -> u64 {
        self.inner.round_trips.load(Ordering::Relaxed)
    }

    /// The sorted set listing the tasks of a request, of an owner, of both
    /// or of everyone. Owners are hex-encoded: any string the owner hook
    /// returns makes a key of its own (no `:` in it to collide with
    /// another's), and never a key another kind of index uses.
    fn index(&self, request_id: Option<&str>, owner: Option<&str>) -> String {
        let prefix = &self.inner.options.prefix;
        match (owner, request_id) {
            (None, None) => format!("{prefix}:all"),
            (None, Some(rid)) => format!("{prefix}:req:{rid}"),
            (Some(o), None) => format!("{prefix}:own:{}", hex(o)),
            (Some(o), Some(rid)) => format!("{prefix}:own:{}:req:{rid}", hex(o)),
        }
    }

    /// The base of a quota key's sets (`…:running`, `…:kept`).
    fn quota(&self, quota_key: &str) -> String {
        format!("{}:quota:{}", self.inner.options.prefix, hex(quota_key))
    }

    /// Where an `Idempotency-Key` of a quota key points to its task.
    fn idempotency(&self, quota_key: &str, key: &str) -> String {
        format!(
            "{}:idem:{}:{}",
            self.inner.options.prefix,
            hex(quota_key),
            hex(key)
        )
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

    /// The grace a lapsed lease gets (one lease).
    fn grace(&self) -> u64 {
        millis(self.inner.options.lease)
    }

    async fn read(&self, task_id: &str, owner: &str) -> Result<Option<TaskRecord>, StoreError> {
        let found: Option<(RawRecord, String)> = self
            .run(
                scripts::GET
                    .prepare_invoke()
                    .arg(&self.inner.options.prefix)
                    .arg(task_id)
                    .arg(owner)
                    .arg(self.grace())
                    .arg(millis(self.inner.options.ttl))
                    .arg(&self.inner.channel)
                    .arg(seconds(SystemTime::now())),
            )
            .await?;
        let Some((raw, judged)) = found else {
            return Ok(None);
        };
        let record = parse(task_id, raw)?;
        if judged == "failed" {
            lost(&record);
        }
        Ok(Some(record))
    }

    /// Renews the lease of a task this store holds: its status while it
    /// holds it, `None` once it does not (finished, taken over, gone).
    async fn renew(&self, task_id: &str) -> Result<Option<TaskStatus>, StoreError> {
        let status: Option<String> = self
            .run(
                scripts::RENEW
                    .prepare_invoke()
                    .arg(&self.inner.options.prefix)
                    .arg(task_id)
                    .arg(&self.inner.holder)
                    .arg(millis(self.inner.options.lease))
                    .arg(millis(self.inner.options.ttl)),
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

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// A task failed because its instance was lost: said once, by whoever
/// judged it (a read or a sweep), with its ID and the reason.
pub(super) fn lost(record: &TaskRecord) {
    tracing::warn!(
        task_id = %record.task_id,
        endpoint = %record.endpoint,
        attempt = record.attempt,
        task_request_id = record.request_id.as_ref().map(crate::id::RequestId::as_str),
        error = record.error.as_deref().unwrap_or(""),
        "task failed: its instance was lost"
    );
}

/// Why a submission Redis ran too late was refused (the caller had given
/// up on it already: answered 503).
#[derive(Debug)]
struct Late;

impl std::fmt::Display for Late {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redis ran the submission after its deadline; nothing was stored")
    }
}

impl std::error::Error for Late {}

/// Records as scripts return them: `{id, fields}` pairs.
type Records = Vec<(String, RawRecord)>;

/// What `CREATE` answers.
enum CreateReply {
    Created,
    Existing(String, RawRecord),
    Reused,
    Quota(String),
    Late,
}

impl redis::FromRedisValue for CreateReply {
    fn from_redis_value(v: &redis::Value) -> redis::RedisResult<Self> {
        let items: Vec<redis::Value> = redis::from_redis_value(v)?;
        let kind: String = items
            .first()
            .map(redis::from_redis_value)
            .transpose()?
            .unwrap_or_default();
        let at = |i: usize| items.get(i).cloned().unwrap_or(redis::Value::Nil);
        Ok(match kind.as_str() {
            "created" => Self::Created,
            "existing" => Self::Existing(
                redis::from_redis_value(&at(1))?,
                redis::from_redis_value(&at(2))?,
            ),
            "reused" => Self::Reused,
            "quota" => Self::Quota(redis::from_redis_value(&at(1))?),
            _ => Self::Late,
        })
    }
}

impl TaskStore for RedisTaskStore {
    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            match self.admit(record, Limits::new()).await? {
                Admitted::Created => Ok(()),
                _ => Err(StoreError::unavailable("the record was not stored")),
            }
        })
    }

    fn admit<'a>(
        &'a self,
        record: TaskRecord,
        limits: Limits,
    ) -> BoxFuture<'a, Result<Admitted, StoreError>> {
        Box::pin(async move {
            // Past the time the caller waits, Redis stores nothing: a
            // submission answered 503 (Redis paused) leaves no record
            // behind when Redis resumes. Three quarters of it: the answer
            // still has to travel back before the caller gives up.
            let budget = self.inner.options.response_timeout * 3 / 4;
            let deadline =
                self.redis_now_ms() + i64::try_from(budget.as_millis()).unwrap_or(i64::MAX / 2);
            let call = creation::invocation(self, &record, limits, deadline);
            let reply: CreateReply = self.run(&call).await?;
            match reply {
                CreateReply::Created => Ok(Admitted::Created),
                CreateReply::Existing(id, raw) => {
                    Ok(Admitted::Existing(Box::new(parse(&id, raw)?)))
                }
                CreateReply::Reused => Ok(Admitted::KeyReused),
                CreateReply::Quota(kind) => Ok(Admitted::OverQuota(match kind.as_str() {
                    "running" => QuotaKind::Running,
                    _ => QuotaKind::Kept,
                })),
                CreateReply::Late => Err(StoreError::unavailable(Late)),
            }
        })
    }

    fn get<'a>(
        &'a self,
        task_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        Box::pin(self.read(task_id, ""))
    }

    fn get_for<'a>(
        &'a self,
        task_id: &'a str,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        Box::pin(async move {
            if owner.is_empty() {
                // No owner is the empty name (an empty one is none).
                return Ok(None);
            }
            self.read(task_id, owner).await
        })
    }

    fn transition<'a>(
        &'a self,
        task_id: &'a str,
        to: Transition,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        Box::pin(async move {
            let o = &self.inner.options;
            let now = seconds(SystemTime::now());
            let call = if matches!(to, Transition::Start) {
                let mut call = scripts::START.prepare_invoke();
                call.arg(&o.prefix)
                    .arg(task_id)
                    .arg(&self.inner.holder)
                    .arg(now)
                    .arg(millis(o.lease))
                    .arg(&self.inner.channel);
                call
            } else {
                let (kind, payload) = match to {
                    Transition::Complete(value) => ("complete", value.to_string()),
                    Transition::Fail(error) => ("fail", error),
                    Transition::Cancel => ("cancel", String::new()),
                    Transition::Abandon(reason) => ("abandon", reason),
                    Transition::Retry(error) => ("retry", error),
                    Transition::HandBack | Transition::Start => ("handback", String::new()),
                };
                let mut call = scripts::TRANSITION.prepare_invoke();
                call.arg(&o.prefix)
                    .arg(task_id)
                    .arg(kind)
                    .arg(now)
                    .arg(payload)
                    .arg(millis(o.ttl))
                    .arg(&self.inner.channel)
                    .arg(&self.inner.holder)
                    .arg(millis(o.lease));
                call
            };
            let raw: Option<RawRecord> = self.run(&call).await?;
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
                        .prepare_invoke()
                        .arg(&self.inner.options.prefix)
                        .arg(index)
                        .arg(filter.limit)
                        .arg(self.grace())
                        .arg(millis(self.inner.options.ttl))
                        .arg(&self.inner.channel)
                        .arg(seconds(SystemTime::now())),
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
                        .prepare_invoke()
                        .arg(&self.inner.options.prefix)
                        .arg(task_id)
                        .arg(&self.inner.channel),
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
                let record = self.read(task_id, "").await?;
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
                // The task's start set its lease: the first renewal is due
                // a third of a lease later.
                Self::next_event(&mut rx, &task_id, Instant::now() + every).await;
                match store.renew(&task_id).await {
                    Ok(Some(TaskStatus::Pending | TaskStatus::Running)) => {}
                    // Cancelled, finished, taken over, or gone: stop.
                    Ok(_) => return,
                    // Keep working: the next renewal retries before the
                    // lease (three renewals long, and a grace as long)
                    // runs out.
                    Err(e) => {
                        tracing::warn!(task_id = %task_id, error = %Chain(&e), "task lease not renewed");
                    }
                }
            }
        })
    }

    fn sweep_every(&self) -> Option<Duration> {
        Some(self.inner.options.lease / 3)
    }

    fn sweep<'a>(
        &'a self,
        routes: &'a [String],
        limit: usize,
    ) -> BoxFuture<'a, Result<Sweep, StoreError>> {
        Box::pin(async move {
            let o = &self.inner.options;
            let mut call = scripts::SWEEP.prepare_invoke();
            call.arg(&o.prefix)
                .arg(&self.inner.holder)
                .arg(millis(o.lease))
                .arg(millis(o.ttl))
                .arg(self.grace())
                .arg(limit.max(1))
                .arg(&self.inner.channel)
                .arg(seconds(SystemTime::now()))
                .arg(routes.len());
            for route in routes {
                call.arg(route);
            }
            let (now, claimed, failed): (i64, Records, Records) = self.run(&call).await?;
            self.inner
                .offset_ms
                .store(now - local_ms(), Ordering::Relaxed);
            let mut sweep = Sweep::default();
            for (id, raw) in claimed {
                match parse(&id, raw) {
                    Ok(record) => sweep.claimed.push(record),
                    Err(e) => tracing::error!(task_id = %id, error = %e,
                        "task claimed but its record cannot be read"),
                }
            }
            for (id, raw) in failed {
                if let Ok(record) = parse(&id, raw) {
                    lost(&record);
                    sweep.lost.push(record);
                }
            }
            Ok(sweep)
        })
    }
}
