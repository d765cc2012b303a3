//! [`Transition`]: the changes of status a store applies, and which
//! status each may start from.

#[cfg(doc)]
use super::TaskRecord;
use super::TaskStatus;

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
