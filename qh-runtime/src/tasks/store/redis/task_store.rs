//! [`TaskStore`] for `RedisTaskStore`: each operation as its script's
//! call, with the reads, lease renewals and event waits they share.

use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use tokio::sync::broadcast;
use tokio::time::Instant;

use super::connection::millis;
use super::events::{parse, Event, RawRecord};
use super::replies::{CreateReply, Late, Records};
use super::{creation, local_ms, scripts, RedisTaskStore};
use crate::support::chain::Chain;
use crate::tasks::store::record::seconds;
use crate::tasks::store::{Admitted, BoxFuture, Limits, Sweep};
use crate::tasks::{
    ListFilter, QuotaKind, StoreError, TaskRecord, TaskStatus, TaskStore, Transition,
};

impl RedisTaskStore {
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
}

/// A task failed because its instance was lost: said once, by whoever
/// judged it (a read or a sweep), with its ID and the reason.
fn lost(record: &TaskRecord) {
    tracing::warn!(
        task_id = %record.task_id,
        endpoint = %record.endpoint,
        attempt = record.attempt,
        task_request_id = record.request_id.as_ref().map(crate::id::RequestId::as_str),
        error = record.error.as_deref().unwrap_or(""),
        "task failed: its instance was lost"
    );
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
