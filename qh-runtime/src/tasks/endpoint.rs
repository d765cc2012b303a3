//! What `#[qh::endpoint(task)]` expansions call: a synchronous function
//! run on the blocking pool, and a task's outcome
//! made of its return value (which return values make which outcome:
//! `crate::returns`).

use crate::tasks::{TaskError, TaskOutcome};

/// A task's result: `value` as JSON.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> TaskOutcome {
    serde_json::to_value(value).map_err(TaskError::Serialize)
}

/// A task that failed with `message` (its error's `Display`).
pub(crate) fn failed(message: String) -> TaskOutcome {
    Err(TaskError::Failed(message))
}

/// Runs a synchronous task function on tokio's blocking pool with the
/// request's context (as [`crate::spawn_blocking`]); a panic fails the task.
pub async fn blocking_outcome<F>(f: F) -> TaskOutcome
where
    F: FnOnce() -> TaskOutcome + Send + 'static,
{
    match crate::spawn_blocking(f).await {
        Ok(outcome) => outcome,
        Err(e) if e.is_panic() => {
            let payload = e.into_panic();
            let message =
                crate::support::unwind::text(&*payload).unwrap_or("non-string panic payload");
            tracing::error!(panic = %message, "task panicked");
            Err(crate::tasks::TaskError::Panicked(message.to_owned()))
        }
        Err(e) => Err(crate::tasks::TaskError::Interrupted(e)),
    }
}
