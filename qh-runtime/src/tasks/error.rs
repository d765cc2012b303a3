//! [`TaskError`]: why a task's function produced no result, and
//! [`TaskOutcome`], what it produced.

use std::fmt;

/// What a task's function produced: its result as JSON, or why it failed.
///
/// # Examples
///
/// Work whose result is already JSON, submitted as it is:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::tasks::{Runner, TaskError, TaskOutcome};
///
/// async fn export(rows: usize) -> TaskOutcome {
///     if rows == 0 {
///         return Err(TaskError::Failed("nothing to export".into()));
///     }
///     Ok(serde_json::json!({ "rows": rows, "file": "export.csv" }))
/// }
///
/// let runner = Runner::default();
/// let submitted = runner.submit_json("export", export(120)).await.unwrap();
/// assert!(submitted.location().ends_with(&submitted.task_id));
/// # }
/// ```
pub type TaskOutcome = Result<serde_json::Value, TaskError>;

/// Why a task failed. Its text is what the task's record keeps in `error`
/// (and what `GET /tasks/{id}/result` shows when the runner
/// [exposes errors](super::RunnerBuilder::expose_errors)).
///
/// ```
/// use qh::tasks::TaskError;
///
/// assert_eq!(TaskError::Failed("disk full".into()).to_string(), "disk full");
/// assert_eq!(
///     TaskError::Panicked("boom".into()).to_string(),
///     "the task panicked: boom"
/// );
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum TaskError {
    /// The function returned `Err`: its error's message.
    Failed(String),
    /// The function panicked: the panic's message.
    Panicked(String),
    /// The function's value cannot be serialized as JSON (a map with
    /// non-string keys, say).
    Serialize(serde_json::Error),
    /// The function did not run to its end (its thread on the blocking
    /// pool was cancelled, as when the runtime shuts down).
    Interrupted(tokio::task::JoinError),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The record keeps this text: it says what the cause is, as Python
        // qh's records do.
        match self {
            Self::Failed(message) => f.write_str(message),
            Self::Panicked(message) => write!(f, "the task panicked: {message}"),
            Self::Serialize(e) => write!(f, "the result cannot be serialized as JSON: {e}"),
            Self::Interrupted(e) => write!(f, "the task did not finish: {e}"),
        }
    }
}

impl std::error::Error for TaskError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Serialize(e) => Some(e),
            Self::Interrupted(e) => Some(e),
            Self::Failed(_) | Self::Panicked(_) => None,
        }
    }
}

/// A function's `Ok` value as JSON, its `Err` as the failure message.
pub(super) fn outcome_of<T: serde::Serialize, E: fmt::Display>(
    result: Result<T, E>,
) -> TaskOutcome {
    match result {
        Ok(value) => serde_json::to_value(value).map_err(TaskError::Serialize),
        Err(e) => Err(TaskError::Failed(e.to_string())),
    }
}
