//! [`MemoryTaskStore`]: the default, bounded, in-process store.
//!
//! Here its bounds and the [`TaskStore`] calls; the maps it keeps
//! consistent in `maps`.

mod maps;

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use maps::Inner;

use super::{Admitted, BoxFuture, Limits};
use crate::support::sync::lock;
use crate::tasks::owner::same;
use crate::tasks::{
    ListFilter, QuotaKind, StoreError, TaskRecord, TaskStatus, TaskStore, Transition,
};

/// Task records in this process's memory, bounded two ways:
///
/// - **capacity** (default 10 000 records): a new record evicts the oldest
///   *finished* one of the same caller (its
///   [`quota_key`](TaskRecord::quota_key), by completion time), never
///   another caller's; when that caller has none, the submission fails with
///   [`StoreError::Full`] rather than growing without bound, dropping
///   running work or someone else's results;
/// - **time to live** (default one hour) counted from completion: finished
///   records older than that are evicted. Unfinished ones never are.
///
/// ```
/// use std::time::Duration;
/// use qh::tasks::{MemoryTaskStore, Runner};
///
/// let runner = Runner::new(MemoryTaskStore::new().capacity(1000).ttl(Duration::from_secs(600)));
/// ```
#[derive(Debug)]
pub struct MemoryTaskStore {
    inner: Mutex<Inner>,
    capacity: usize,
    ttl: Duration,
}

impl Default for MemoryTaskStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryTaskStore {
    /// A store with the defaults: 10 000 records, one hour after completion.
    #[must_use]
    pub fn new() -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity: 10_000,
            ttl: Duration::from_secs(3600),
        }
    }

    /// The most records kept (at least 1).
    #[must_use]
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// How long a finished record is kept after completion.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How many records are held now (expired ones included until the next
    /// store operation sweeps them).
    ///
    /// ```
    /// assert_eq!(qh::tasks::MemoryTaskStore::new().len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether no record is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section leaves the maps consistent before it can
        // panic, so a poisoned lock is still usable.
        lock(&self.inner)
    }

    /// The locked maps, with expired finished records already evicted.
    fn swept(&self) -> MutexGuard<'_, Inner> {
        let mut inner = self.lock();
        // A ttl reaching before the epoch keeps everything.
        let Some(oldest_kept) = SystemTime::now().checked_sub(self.ttl) else {
            return inner;
        };
        while let Some((done, _)) = inner.finished.front() {
            if *done > oldest_kept {
                break;
            }
            if let Some((_, id)) = inner.finished.pop_front() {
                inner.remove_finished(&id);
            }
        }
        inner
    }

    /// Stores `record` unless a bound refuses it (see [`TaskStore::admit`]).
    fn admit_now(&self, record: TaskRecord, limits: Limits) -> Result<Admitted, StoreError> {
        let mut inner = self.swept();
        let group_key = record.quota_key.clone();
        if let Some(key) = &record.idempotency_key {
            let seen = inner.keys.get(&(group_key.clone(), key.clone()));
            if let Some(first) = seen.and_then(|id| inner.records.get(id)) {
                return Ok(if first.record.fingerprint() == record.fingerprint() {
                    Admitted::Existing(Box::new(first.record.clone()))
                } else {
                    Admitted::KeyReused
                });
            }
        }
        // The app's own work (no quota key) is not bounded.
        let limits = if group_key.is_some() {
            limits
        } else {
            Limits::new()
        };
        let group = inner.group(&group_key);
        if limits.running.is_some_and(|max| group.unfinished >= max) {
            return Ok(Admitted::OverQuota(QuotaKind::Running));
        }
        if let Some(max) = limits.kept {
            while inner.group(&group_key).count >= max {
                if !inner.evict_from(&group_key) {
                    return Ok(Admitted::OverQuota(QuotaKind::Kept));
                }
            }
        }
        // The store's capacity: the submitter's own oldest finished record
        // makes room, never anyone else's.
        while inner.records.len() >= self.capacity {
            if !inner.evict_from(&group_key) {
                return Err(StoreError::Full);
            }
        }
        inner.insert(record);
        Ok(Admitted::Created)
    }
}

impl TaskStore for MemoryTaskStore {
    fn create(&self, record: TaskRecord) -> BoxFuture<'_, Result<(), StoreError>> {
        let result = self.admit_now(record, Limits::new()).map(|_| ());
        Box::pin(std::future::ready(result))
    }

    fn admit<'a>(
        &'a self,
        record: TaskRecord,
        limits: Limits,
    ) -> BoxFuture<'a, Result<Admitted, StoreError>> {
        Box::pin(std::future::ready(self.admit_now(record, limits)))
    }

    fn get<'a>(
        &'a self,
        task_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        let record = self.swept().records.get(task_id).map(|e| e.record.clone());
        Box::pin(std::future::ready(Ok(record)))
    }

    fn get_for<'a>(
        &'a self,
        task_id: &'a str,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        // The owner is compared before anything is copied: another owner's
        // task costs what an unknown ID does, whatever its result's size.
        let record = self
            .swept()
            .records
            .get(task_id)
            .filter(|e| e.record.owner.as_deref().is_some_and(|o| same(o, owner)))
            .map(|e| e.record.clone());
        Box::pin(std::future::ready(Ok(record)))
    }

    fn transition<'a>(
        &'a self,
        task_id: &'a str,
        to: Transition,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        let mut inner = self.swept();
        let mut finished = None;
        let record = inner.records.get_mut(task_id).map(|entry| {
            if entry.record.apply(to, SystemTime::now()) {
                entry.status.send_replace(entry.record.status);
                if entry.record.status.is_finished() {
                    finished = entry
                        .record
                        .completed_at
                        .map(|at| (at, entry.record.quota_key.clone()));
                }
            }
            entry.record.clone()
        });
        if let Some((at, key)) = finished {
            inner.finished.push_back((at, task_id.to_owned()));
            let group = inner.group(&key);
            group.unfinished = group.unfinished.saturating_sub(1);
            group.finished.push_back(task_id.to_owned());
        }
        Box::pin(std::future::ready(Ok(record)))
    }

    fn list<'a>(
        &'a self,
        filter: &'a ListFilter,
    ) -> BoxFuture<'a, Result<Vec<TaskRecord>, StoreError>> {
        let inner = self.swept();
        let mut matching: Vec<&TaskRecord> = inner
            .records
            .values()
            .map(|e| &e.record)
            .filter(|r| match &filter.request_id {
                Some(id) => r.request_id.as_ref().is_some_and(|r| r == id.as_str()),
                None => true,
            })
            .filter(|r| match &filter.owner {
                Some(owner) => r.owner.as_ref() == Some(owner),
                None => true,
            })
            .collect();
        // Newest first; only the `limit` newest are sorted and copied, so a
        // full store is not cloned under the lock for `?limit=1`.
        let newest_first = |a: &&TaskRecord, b: &&TaskRecord| b.created_at.cmp(&a.created_at);
        if matching.len() > filter.limit {
            matching.select_nth_unstable_by(filter.limit, newest_first);
            matching.truncate(filter.limit);
        }
        matching.sort_by(newest_first);
        let records: Vec<TaskRecord> = matching.into_iter().cloned().collect();
        drop(inner);
        Box::pin(std::future::ready(Ok(records)))
    }

    fn delete<'a>(&'a self, task_id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let mut inner = self.swept();
        let removed = inner.remove(task_id);
        inner.compact();
        Box::pin(std::future::ready(Ok(removed)))
    }

    fn wait<'a>(
        &'a self,
        task_id: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        let rx = self
            .swept()
            .records
            .get(task_id)
            .map(|e| e.status.subscribe());
        Box::pin(async move {
            if let Some(mut rx) = rx {
                // An error means the record went away: `get` then says so.
                let _ = tokio::time::timeout(timeout, rx.wait_for(|s| s.is_finished())).await;
            }
            self.get(task_id).await
        })
    }

    fn watch(&self, task_id: &str) -> BoxFuture<'static, ()> {
        let rx = self
            .lock()
            .records
            .get(task_id)
            .map(|e| e.status.subscribe());
        Box::pin(async move {
            if let Some(mut rx) = rx {
                let _ = rx.wait_for(|s| *s == TaskStatus::Cancelled).await;
            }
        })
    }
}

#[cfg(test)]
mod tests;
