//! [`Submitted`]: the answer to a task submission, and [`SubmitError`]: its
//! refusal.

use std::fmt;

use serde::Serialize;

use super::{QuotaKind, StoreError};
use crate::id::RequestId;

/// The answer to a task submission, as Python qh gives it: `202 Accepted`,
/// `Location: /tasks/{task_id}` and
/// `{"task_id": …, "status": "submitted", "request_id": …}`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::response::IntoResponse;
///
/// let submitted = qh::tasks::Runner::default()
///     .submit("noop", async { Ok::<(), String>(()) })
///     .await
///     .unwrap();
/// let response = submitted.clone().into_response();
/// assert_eq!(response.status(), 202);
/// assert_eq!(response.headers()["location"], submitted.location());
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Submitted {
    /// The new task's ID.
    pub task_id: String,
    /// Always `"submitted"`.
    pub status: &'static str,
    /// The submitting request's ID.
    pub request_id: Option<RequestId>,
}

impl Submitted {
    pub(crate) fn new(task_id: String, request_id: Option<RequestId>) -> Self {
        Self {
            task_id,
            status: "submitted",
            request_id,
        }
    }

    /// Where the task's record is served: `/tasks/{task_id}`.
    #[must_use]
    pub fn location(&self) -> String {
        format!("/tasks/{}", self.task_id)
    }
}

/// Why a task was not submitted.
///
/// As a response (`IntoResponse`): [`Store`](Self::Store) answers `503`
/// problem+json with `Retry-After` and a generic detail (the store's error
/// goes to the log); [`NoOwner`](Self::NoOwner) answers `401`,
/// [`OverQuota`](Self::OverQuota) `429` with `Retry-After`,
/// [`KeyReused`](Self::KeyReused) `422` and [`InvalidKey`](Self::InvalidKey)
/// `400`, all problem+json.
///
/// ```
/// use axum::response::IntoResponse;
/// let res = qh::tasks::SubmitError::NoOwner.into_response();
/// assert_eq!(res.status(), 401);
/// assert_eq!(res.headers()["content-type"], "application/problem+json");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum SubmitError {
    /// The store could not record the task.
    Store(StoreError),
    /// The runner has an [owner hook](super::RunnerBuilder::owner) and it
    /// found no owner for the submitting request: a task no one could read
    /// or cancel is not started.
    NoOwner,
    /// The caller is at one of the runner's
    /// [quotas](crate::tasks::RunnerBuilder::quota).
    OverQuota {
        /// Which bound.
        quota: QuotaKind,
        /// Its value.
        limit: usize,
    },
    /// The submission's `Idempotency-Key` was used before, by the same
    /// caller, with another request (other inputs, or another endpoint).
    KeyReused,
    /// The submission's `Idempotency-Key` header is not one string of 1
    /// to 255 visible ASCII characters (or there are several).
    InvalidKey,
}

impl From<StoreError> for SubmitError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl fmt::Display for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Store(_) => f.write_str("the task store could not record the task"),
            Self::NoOwner => f.write_str("the submitting request has no task owner"),
            Self::OverQuota { quota, limit } => {
                write!(f, "the caller is at its quota of {limit} ({quota})")
            }
            Self::KeyReused => f.write_str("the Idempotency-Key was used with another request"),
            Self::InvalidKey => f.write_str("the Idempotency-Key header is invalid"),
        }
    }
}

impl std::error::Error for SubmitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Store(e) => Some(e),
            _ => None,
        }
    }
}
