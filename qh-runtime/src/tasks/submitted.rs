//! [`Submitted`]: the answer to a task submission.

use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, LOCATION};
use http::{HeaderValue, StatusCode};
use serde::Serialize;

use crate::RequestId;

/// The answer to a task submission, as Python qh gives it: `202 Accepted`,
/// `Location: /tasks/{task_id}` and
/// `{"task_id": …, "status": "submitted", "request_id": …}`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::response::IntoResponse;
///
/// let submitted = qh::tasks::Tasks::memory()
///     .submit("noop", async { Ok::<(), String>(()) })
///     .await
///     .unwrap();
/// let response = submitted.clone().into_response();
/// assert_eq!(response.status(), 202);
/// assert_eq!(response.headers()["location"], submitted.location());
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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

impl IntoResponse for Submitted {
    fn into_response(self) -> Response {
        let mut response = super::answer::json(StatusCode::ACCEPTED, &self);
        // Task IDs are UUIDs, always a valid header value.
        if let Ok(location) = HeaderValue::from_str(&self.location()) {
            response.headers_mut().insert(LOCATION, location);
        }
        debug_assert!(response.headers().contains_key(CONTENT_TYPE));
        response
    }
}
