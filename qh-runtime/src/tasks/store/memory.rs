//! [`MemoryTaskStore`]: the default, bounded, in-process store.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

use super::{Admitted, BoxFuture, Limits};
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

#[derive(Debug, Default)]
struct Inner {
    records: HashMap<String, Entry>,
    // Finished task IDs in completion order, for expiry; IDs deleted
    // meanwhile are skipped when they reach the front.
    finished: VecDeque<(SystemTime, String)>,
    // The records of each quota key (`None`: the app's own submissions),
    // for its bounds and its evictions.
    groups: HashMap<Option<String>, Group>,
    // `(quota key, Idempotency-Key)` → the task it submitted.
    keys: HashMap<(Option<String>, String), String>,
}

/// One quota key's records.
#[derive(Debug, Default)]
struct Group {
    count: usize,
    unfinished: usize,
    // Its finished task IDs in completion order (deleted ones skipped).
    finished: VecDeque<String>,
}

#[derive(Debug)]
struct Entry {
    record: TaskRecord,
    // Wakes waiters and the running instance's watch; dropped with the
    // entry, which tells them the record is gone.
    status: watch::Sender<TaskStatus>,
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
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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

impl Inner {
    fn group(&mut self, key: &Option<String>) -> &mut Group {
        // The key is copied only for a group not seen yet.
        if !self.groups.contains_key(key) {
            self.groups.insert(key.clone(), Group::default());
        }
        self.groups
            .get_mut(key)
            .unwrap_or_else(|| unreachable!("inserted above"))
    }

    fn insert(&mut self, record: TaskRecord) {
        let group = self.group(&record.quota_key);
        group.count += 1;
        if !record.status.is_finished() {
            group.unfinished += 1;
        }
        if let Some(key) = &record.idempotency_key {
            self.keys.insert(
                (record.quota_key.clone(), key.clone()),
                record.task_id.clone(),
            );
        }
        let status = watch::Sender::new(record.status);
        self.records
            .insert(record.task_id.clone(), Entry { record, status });
    }

    /// Removes a record, whatever its status, and its traces in the maps.
    fn remove(&mut self, id: &str) -> bool {
        let Some(entry) = self.records.remove(id) else {
            return false;
        };
        let record = entry.record;
        if let Some(group) = self.groups.get_mut(&record.quota_key) {
            group.count = group.count.saturating_sub(1);
            if !record.status.is_finished() {
                group.unfinished = group.unfinished.saturating_sub(1);
            }
            if group.count == 0 {
                self.groups.remove(&record.quota_key);
            }
        }
        if let Some(key) = record.idempotency_key {
            let slot = (record.quota_key, key);
            if self.keys.get(&slot).is_some_and(|t| *t == record.task_id) {
                self.keys.remove(&slot);
            }
        }
        true
    }

    fn remove_finished(&mut self, id: &str) -> bool {
        let finished = self
            .records
            .get(id)
            .is_some_and(|e| e.record.status.is_finished());
        finished && self.remove(id)
    }

    /// Evicts the oldest finished record of the quota key `key`; `false`
    /// when it has none.
    fn evict_from(&mut self, key: &Option<String>) -> bool {
        loop {
            let Some(id) = self
                .groups
                .get_mut(key)
                .and_then(|g| g.finished.pop_front())
            else {
                return false;
            };
            if self.remove_finished(&id) {
                return true;
            }
        }
    }

    /// Drops the queue entries of deleted records once they outnumber the
    /// records: amortized O(1) per delete, and the queues stay within about
    /// twice the store however many tasks are submitted and deleted.
    fn compact(&mut self) {
        if self.finished.len() > 2 * self.records.len() + 64 {
            let records = &self.records;
            self.finished.retain(|(_, id)| records.contains_key(id));
            for group in self.groups.values_mut() {
                group.finished.retain(|id| records.contains_key(id));
            }
        }
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
mod tests {
    use super::MemoryTaskStore;
    use crate::tasks::{ListFilter, TaskRecord, TaskStore, Transition};

    async fn finish(store: &MemoryTaskStore, id: &str) {
        store
            .create(TaskRecord::pending(id, None, "f"))
            .await
            .unwrap();
        store.transition(id, Transition::Start).await.unwrap();
        store
            .transition(id, Transition::Complete(serde_json::json!(1)))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn submitting_and_deleting_keeps_the_queue_bounded() {
        let store = MemoryTaskStore::new();
        for i in 0..5_000 {
            let id = format!("t-{i}");
            finish(&store, &id).await;
            assert!(store.delete(&id).await.unwrap());
        }
        let inner = store.lock();
        assert!(inner.records.is_empty());
        assert!(inner.finished.len() <= 65, "{}", inner.finished.len());
    }

    #[tokio::test]
    async fn list_gives_the_newest_first_up_to_the_limit() {
        let store = MemoryTaskStore::new();
        for i in 0..50 {
            finish(&store, &format!("t-{i:02}")).await;
            // Distinct creation times, newest last.
            store
                .lock()
                .records
                .get_mut(&format!("t-{i:02}"))
                .unwrap()
                .record
                .created_at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(i);
        }
        let filter = ListFilter::new(3);
        let ids: Vec<String> = store
            .list(&filter)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.task_id)
            .collect();
        assert_eq!(ids, ["t-49", "t-48", "t-47"]);
    }
}
