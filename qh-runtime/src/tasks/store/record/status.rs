//! [`TaskStatus`]: where a task is in its life, and how it reads from and
//! writes to text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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
///
/// # Examples
///
/// ```
/// use qh::tasks::{TaskStatus, UnknownStatus};
///
/// // A `?status=` filter of an admin route of your own.
/// assert_eq!("failed".parse::<TaskStatus>(), Ok(TaskStatus::Failed));
/// let err: UnknownStatus = "done".parse::<TaskStatus>().unwrap_err();
/// assert_eq!(err.to_string(), "unknown task status");
/// ```
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
