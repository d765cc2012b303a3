//! The maps behind a `MemoryTaskStore`: its records, the completion order
//! that expiry follows, each quota key's group and the idempotency keys,
//! kept consistent through every insert, removal and eviction.

use std::collections::{HashMap, VecDeque};
use std::time::SystemTime;

use tokio::sync::watch;

use crate::tasks::{TaskRecord, TaskStatus};

#[derive(Debug, Default)]
pub(super) struct Inner {
    pub(super) records: HashMap<String, Entry>,
    // Finished task IDs in completion order, for expiry; IDs deleted
    // meanwhile are skipped when they reach the front.
    pub(super) finished: VecDeque<(SystemTime, String)>,
    // The records of each quota key (`None`: the app's own submissions),
    // for its bounds and its evictions.
    pub(super) groups: HashMap<Option<String>, Group>,
    // `(quota key, Idempotency-Key)` → the task it submitted.
    pub(super) keys: HashMap<(Option<String>, String), String>,
}

/// One quota key's records.
#[derive(Debug, Default)]
pub(super) struct Group {
    pub(super) count: usize,
    pub(super) unfinished: usize,
    // Its finished task IDs in completion order (deleted ones skipped).
    pub(super) finished: VecDeque<String>,
}

#[derive(Debug)]
pub(super) struct Entry {
    pub(super) record: TaskRecord,
    // Wakes waiters and the running instance's watch; dropped with the
    // entry, which tells them the record is gone.
    pub(super) status: watch::Sender<TaskStatus>,
}

impl Inner {
    pub(super) fn group(&mut self, key: &Option<String>) -> &mut Group {
        // The key is copied only for a group not seen yet.
        if !self.groups.contains_key(key) {
            self.groups.insert(key.clone(), Group::default());
        }
        self.groups
            .get_mut(key)
            .unwrap_or_else(|| unreachable!("inserted above"))
    }

    pub(super) fn insert(&mut self, record: TaskRecord) {
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
    pub(super) fn remove(&mut self, id: &str) -> bool {
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

    pub(super) fn remove_finished(&mut self, id: &str) -> bool {
        let finished = self
            .records
            .get(id)
            .is_some_and(|e| e.record.status.is_finished());
        finished && self.remove(id)
    }

    /// Evicts the oldest finished record of the quota key `key`; `false`
    /// when it has none.
    pub(super) fn evict_from(&mut self, key: &Option<String>) -> bool {
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
    pub(super) fn compact(&mut self) {
        if self.finished.len() > 2 * self.records.len() + 64 {
            let records = &self.records;
            self.finished.retain(|(_, id)| records.contains_key(id));
            for group in self.groups.values_mut() {
                group.finished.retain(|id| records.contains_key(id));
            }
        }
    }
}
