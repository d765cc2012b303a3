//! What is known about one task: [`TaskRecord`] and its [`TaskStatus`].
//!
//! Here the record; its status in `status`, the changes a store applies
//! to it in `transition`, its times on the wire in `times`.

mod status;
mod times;
mod transition;

pub use status::{TaskStatus, UnknownStatus};
#[cfg(feature = "redis")]
pub(crate) use times::from_seconds;
pub(crate) use times::seconds;
pub use transition::Transition;

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::id::RequestId;
use crate::tasks::Invocation;

/// Everything recorded about one task. Made with [`TaskRecord::pending`]
/// (it will grow fields: a store of your own builds records with it, then
/// sets what it keeps). Its times are [`SystemTime`]s; serialized, they are
/// seconds since the Unix epoch as floats, as in Python qh.
///
/// ```
/// use qh::tasks::{TaskRecord, TaskStatus};
///
/// let record = TaskRecord::pending("t-1", None, "resize_image");
/// assert_eq!(record.status, TaskStatus::Pending);
/// assert!(record.started_at.is_none());
/// let json = serde_json::to_value(&record).unwrap();
/// assert!(json["created_at"].as_f64().unwrap() > 1.7e9);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskRecord {
    /// The task's own ID.
    pub task_id: String,
    /// The ID of the request that submitted it (`None` outside a request).
    pub request_id: Option<RequestId>,
    /// The name of the function (endpoint) it runs.
    pub endpoint: String,
    /// Where it is in its life.
    pub status: TaskStatus,
    /// When it was submitted.
    #[serde(with = "seconds")]
    pub created_at: SystemTime,
    /// When it started running.
    #[serde(with = "seconds::option")]
    pub started_at: Option<SystemTime>,
    /// When it finished (completed, failed or cancelled).
    #[serde(with = "seconds::option")]
    pub completed_at: Option<SystemTime>,
    /// What the function returned, once completed.
    pub result: Option<serde_json::Value>,
    /// Why it failed, once failed.
    pub error: Option<String>,
    /// Who submitted it, as the runner's
    /// [owner hook](crate::tasks::RunnerBuilder::owner) named the
    /// submitting request's caller (`None` without a hook, or for a task
    /// submitted through the [`Runner`](crate::tasks::Runner) itself rather
    /// than a request's [`CallerTasks`](crate::tasks::CallerTasks)). Stores
    /// keep it with the record; it is never serialized, so no answer shows
    /// it.
    #[serde(skip)]
    pub owner: Option<String>,
    /// Which attempt runs (or ran last): 1 the first time it starts, one
    /// more each time it starts again (a retry, or another instance taking
    /// it over); 0 before it first started.
    #[serde(default)]
    pub attempt: u32,
    /// The most attempts it may take (the runner's
    /// [`max_attempts`](crate::tasks::RunnerBuilder::max_attempts) when it
    /// was submitted); a start handed back at shutdown does not count.
    pub max_attempts: u32,
    /// How many of its starts were handed back at shutdown (not counted
    /// against `max_attempts`). Never serialized.
    #[serde(skip)]
    pub handed_back: u32,
    /// What is needed to run it again, for tasks of `#[qh::endpoint(task)]`
    /// endpoints (`None` for work submitted as a future, which cannot be
    /// run again). Stores keep it; it is never serialized, so no answer
    /// shows it.
    #[serde(skip)]
    pub invocation: Option<Invocation>,
    /// Who the task counts against for the runner's
    /// [quotas](crate::tasks::Quota): its owner, or for a caller without
    /// one its peer address (`peer:…`); `None` for work the app submitted
    /// itself. Never serialized.
    #[serde(skip)]
    pub quota_key: Option<String>,
    /// The submission's `Idempotency-Key` header, if it had one: a store
    /// answers the same key from the same `quota_key` with this record
    /// while it keeps it. Never serialized.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

impl TaskRecord {
    /// A record for a task submitted now.
    #[must_use]
    pub fn pending(
        task_id: impl Into<String>,
        request_id: Option<RequestId>,
        endpoint: impl Into<String>,
    ) -> Self {
        Self {
            task_id: task_id.into(),
            request_id,
            endpoint: endpoint.into(),
            status: TaskStatus::Pending,
            created_at: SystemTime::now(),
            started_at: None,
            completed_at: None,
            result: None,
            error: None,
            owner: None,
            attempt: 0,
            max_attempts: 1,
            handed_back: 0,
            invocation: None,
            quota_key: None,
            idempotency_key: None,
        }
    }

    /// How many attempts count against `max_attempts` (those handed back at
    /// shutdown do not).
    #[must_use]
    pub fn attempts_used(&self) -> u32 {
        self.attempt.saturating_sub(self.handed_back)
    }

    /// What an `Idempotency-Key` compares: the submission's inputs (its
    /// [`invocation`](Self::invocation)), or, without one, the endpoint's
    /// name. Stores keep it beside the key.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        match &self.invocation {
            Some(invocation) => invocation.fingerprint(),
            None => super::super::invocation::fingerprint_of_name(&self.endpoint),
        }
    }

    /// The record with `owner` as its owner (see [`TaskRecord::owner`]).
    ///
    /// ```
    /// let record = qh::tasks::TaskRecord::pending("t-1", None, "f").owned_by(Some("ada".into()));
    /// assert_eq!(record.owner.as_deref(), Some("ada"));
    /// // Never shown:
    /// assert!(!serde_json::to_string(&record).unwrap().contains("ada"));
    /// ```
    #[must_use]
    pub fn owned_by(mut self, owner: Option<String>) -> Self {
        self.owner = owner;
        self
    }

    /// Applies `to` at time `at` if the record's status allows it (finished
    /// records never change; only a pending task starts, only a running one
    /// waits for a retry). Returns whether the record changed.
    ///
    /// ```
    /// use qh::tasks::{TaskRecord, TaskStatus, Transition};
    ///
    /// let now = std::time::SystemTime::now();
    /// let mut r = TaskRecord::pending("t", None, "f");
    /// assert!(r.apply(Transition::Start, now));
    /// assert!(r.apply(Transition::Complete(serde_json::json!(3)), now));
    /// assert!(!r.apply(Transition::Cancel, now));
    /// assert_eq!(r.status, TaskStatus::Completed);
    /// assert_eq!(r.completed_at, Some(now));
    /// ```
    pub fn apply(&mut self, to: Transition, at: SystemTime) -> bool {
        if !to.allowed_from(self.status) {
            return false;
        }
        match to {
            Transition::Start => {
                self.status = TaskStatus::Running;
                self.started_at = Some(at);
                self.attempt += 1;
                self.error = None;
                return true;
            }
            Transition::Retry(error) => {
                self.status = TaskStatus::Pending;
                self.error = Some(error);
                return true;
            }
            Transition::HandBack => {
                self.status = TaskStatus::Pending;
                if self.attempt > 0 {
                    self.handed_back += 1;
                }
                return true;
            }
            Transition::Complete(value) => {
                self.status = TaskStatus::Completed;
                self.result = Some(value);
            }
            Transition::Fail(error) => {
                self.status = TaskStatus::Failed;
                self.error = Some(error);
            }
            Transition::Cancel => self.status = TaskStatus::Cancelled,
            Transition::Abandon(reason) => {
                self.status = TaskStatus::Cancelled;
                self.error = Some(reason);
            }
        }
        self.completed_at = Some(at);
        true
    }
}
