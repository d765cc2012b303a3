//! What is known about one task: [`TaskRecord`] and its [`TaskStatus`].

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::id::RequestId;
use crate::tasks::Invocation;

/// Where a task is in its life. Serialized in lowercase (`"pending"`, …),
/// as Python qh does.
///
/// ```
/// use qh::tasks::TaskStatus;
///
/// assert_eq!(serde_json::to_string(&TaskStatus::Running).unwrap(), r#""running""#);
/// assert!(TaskStatus::Cancelled.is_finished());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TaskStatus {
    /// Recorded, not started yet; or between two attempts (waiting for its
    /// retry, or for an instance to take it over).
    Pending,
    /// Its function is running.
    Running,
    /// Finished with a result.
    Completed,
    /// Finished with an error (or a panic, or its instance was lost too
    /// often, or no instance could run it again).
    Failed,
    /// Stopped on request before finishing.
    Cancelled,
}

impl TaskStatus {
    /// Whether the status is final: completed, failed or cancelled.
    #[must_use]
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }

    /// The lowercase name.
    ///
    /// ```
    /// assert_eq!(qh::tasks::TaskStatus::Failed.as_str(), "failed");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a string that names no [`TaskStatus`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStatus;

impl fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown task status")
    }
}

impl std::error::Error for UnknownStatus {}

impl FromStr for TaskStatus {
    type Err = UnknownStatus;

    /// ```
    /// use qh::tasks::TaskStatus;
    /// assert_eq!("completed".parse(), Ok(TaskStatus::Completed));
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "pending" => Self::Pending,
            "running" => Self::Running,
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            _ => return Err(UnknownStatus),
        })
    }
}

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

/// A change of a task's status, as stores apply it (with
/// [`TaskRecord::apply`], whose rules every store follows).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Transition {
    /// pending → running: its next attempt starts (`attempt` + 1).
    Start,
    /// pending/running → completed, with the result.
    Complete(serde_json::Value),
    /// pending/running → failed, with the error.
    Fail(String),
    /// pending/running → cancelled.
    Cancel,
    /// pending/running → cancelled, with the reason in `error`: the
    /// instance running it shut down before it finished (see
    /// [`Shutdown::drain`](crate::background::Shutdown::drain)).
    Abandon(String),
    /// running → pending, with the attempt's error in `error`: it failed,
    /// and runs again after a pause (the endpoint's `retries`).
    Retry(String),
    /// pending/running → pending: its instance shut down before it
    /// finished and hands it back, for another instance to run again (a
    /// store shared by instances; see
    /// [`Shutdown::drain`](crate::background::Shutdown::drain)). The start
    /// it had does not count against `max_attempts`.
    HandBack,
}

impl Transition {
    /// Whether a task in status `from` may take this transition.
    ///
    /// ```
    /// use qh::tasks::{TaskStatus, Transition};
    /// assert!(Transition::Cancel.allowed_from(TaskStatus::Running));
    /// assert!(!Transition::Start.allowed_from(TaskStatus::Running));
    /// ```
    #[must_use]
    pub fn allowed_from(&self, from: TaskStatus) -> bool {
        match self {
            Self::Start => from == TaskStatus::Pending,
            Self::Retry(_) => from == TaskStatus::Running,
            _ => !from.is_finished(),
        }
    }
}

/// `t` in seconds since the Unix epoch, as Python qh writes times (a time
/// before the epoch is 0).
pub(crate) fn seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The time `secs` seconds after the Unix epoch; `None` for a number that
/// is no time (negative, not finite, out of range).
pub(crate) fn from_seconds(secs: f64) -> Option<SystemTime> {
    if !(secs.is_finite() && secs >= 0.0) {
        return None;
    }
    UNIX_EPOCH.checked_add(Duration::try_from_secs_f64(secs).ok()?)
}

/// Record times on the wire: seconds since the Unix epoch, as floats.
mod seconds {
    use std::time::SystemTime;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(super::seconds(*t))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let secs = f64::deserialize(d)?;
        super::from_seconds(secs).ok_or_else(|| D::Error::custom("not a time in seconds"))
    }

    /// The same for a time that may be missing (`null`).
    pub(super) mod option {
        use std::time::SystemTime;

        use serde::de::Error as _;
        use serde::{Deserialize, Deserializer, Serializer};

        #[allow(clippy::ref_option)] // serde's `with` passes `&Option<T>`
        pub(in super::super) fn serialize<S: Serializer>(
            t: &Option<SystemTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_some(&super::super::seconds(*t)),
                None => s.serialize_none(),
            }
        }

        pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<SystemTime>, D::Error> {
            Option::<f64>::deserialize(d)?
                .map(|secs| {
                    super::super::from_seconds(secs)
                        .ok_or_else(|| D::Error::custom("not a time in seconds"))
                })
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_seconds_on_the_wire_both_ways() {
        let mut record = TaskRecord::pending("t", None, "f");
        record.created_at = UNIX_EPOCH + Duration::from_secs_f64(1_796_195_336.924_817_8);
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(
            json["created_at"],
            serde_json::json!(1_796_195_336.924_817_8)
        );
        assert_eq!(json["started_at"], serde_json::Value::Null);
        let back: TaskRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back.created_at, record.created_at);
        assert_eq!(from_seconds(-1.0), None);
        assert_eq!(from_seconds(f64::INFINITY), None);
        assert_eq!(from_seconds(f64::NAN), None);
    }
}
