//! [`TaskHandle`]: a task endpoint's submission, seen from the caller,
//! through the callee's `/tasks` routes.

use std::fmt;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::answer::Answer;
use super::bounds::Receive;
use super::error::{DecodeError, Error};
use super::send::Prepared;
use super::Client;
use crate::id::RequestId;
use crate::tasks::{TaskStatus, MAX_WAIT};

/// A task submitted by the typed call of a task endpoint
/// (`#[qh::endpoint(task)]`): its ID, and the requests that read its
/// status, wait for its result and cancel it (the callee's `/tasks`
/// routes, under the client's base URL).
///
/// `T` is the endpoint's return type (its `Ok` type), read from the
/// task's JSON result.
///
/// ```
/// # async fn demo(client: &qh::client::Client) -> Result<(), qh::client::Error> {
/// use std::time::Duration;
///
/// #[qh::endpoint(task)]
/// async fn render(pages: u32) -> String {
///     format!("{pages} pages")
/// }
///
/// let task = render::call(client, 3).await?;
/// println!("submitted {} ({})", task.id(), task.status().await?);
/// let pdf: String = task.wait(Duration::from_secs(60)).await?;
/// # Ok(()) }
/// ```
pub struct TaskHandle<T> {
    client: Client,
    task_id: String,
    request_id: Option<RequestId>,
    result: PhantomData<fn() -> T>,
}

impl<T> TaskHandle<T> {
    /// The handle of the task a `202` submission answer names.
    pub(crate) fn submitted(client: Client, answer: &Answer) -> Result<Self, DecodeError> {
        let mut doc = object(answer)?;
        let task_id = match doc.remove("task_id") {
            Some(Value::String(id)) if answer.status() == StatusCode::ACCEPTED => id,
            _ => return Err(DecodeError::new(answer.status(), "a task submission", None)),
        };
        let request_id = match doc.remove("request_id") {
            Some(Value::String(id)) => id.parse().ok(),
            _ => None,
        };
        Ok(Self {
            client,
            task_id,
            request_id,
            result: PhantomData,
        })
    }

    /// The task's ID.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.task_id
    }

    /// The ID of the callee's request that submitted it (its tasks can be
    /// listed by it, where the callee lists tasks).
    #[must_use]
    pub fn request_id(&self) -> Option<&RequestId> {
        self.request_id.as_ref()
    }

    /// `/tasks/{id}` and what follows.
    fn route(&self, rest: &str) -> String {
        let id = super::encode::path_segment(&self.task_id, false);
        format!("/tasks/{id}{rest}")
    }

    /// The task's status now.
    ///
    /// # Errors
    ///
    /// [`Error::Status`] `404` for a task the callee does not know (or no
    /// longer: deleted, or not the caller's), other errors as for a call.
    pub async fn status(&self) -> Result<TaskStatus, Error> {
        let answer = Prepared::to(&self.client, Method::GET, &self.route("/status"))
            .send()
            .await?;
        let status = object(&answer)?.remove("status").unwrap_or_default();
        serde_json::from_value(status)
            .map_err(|e| Error::Decode(DecodeError::new(answer.status(), "a task status", Some(e))))
    }

    /// Cancels the task if it is still running and removes it: later
    /// reads answer `404`.
    ///
    /// # Errors
    ///
    /// As [`status`](Self::status).
    pub async fn cancel(&self) -> Result<(), Error> {
        Prepared::to(&self.client, Method::DELETE, &self.route(""))
            .send()
            .await
            .map(drop)
    }
}

impl<T: DeserializeOwned> TaskHandle<T> {
    /// The result if the task has finished, `None` while it is pending or
    /// running; asks once, without waiting.
    ///
    /// # Errors
    ///
    /// [`Error::Status`] `500` for a failed task (`task_status:
    /// "failed"`), `409` for a cancelled one, `404` for an unknown one;
    /// [`Error::Decode`] when the result is not a `T`.
    pub async fn result(&self) -> Result<Option<T>, Error> {
        let answer = Prepared::to(&self.client, Method::GET, &self.route("/result"))
            .send()
            .await?;
        if answer.status() == StatusCode::ACCEPTED {
            return Ok(None);
        }
        self.read(&answer).map(Some)
    }

    /// Waits for the result at most `timeout`, through the callee's long
    /// poll (`/result?wait=true`, asked again until `timeout`, each poll
    /// at most 300 s, the longest one poll waits).
    ///
    /// # Errors
    ///
    /// [`Error::Unfinished`] when the task has not finished in time (it
    /// goes on: wait again, or [`cancel`](Self::cancel) it); otherwise as
    /// [`result`](Self::result).
    pub async fn wait(&self, timeout: Duration) -> Result<T, Error> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let poll = left.min(MAX_WAIT);
            let path = format!(
                "{}?wait=true&timeout={}",
                self.route("/result"),
                poll.as_secs_f64()
            );
            let mut request = Prepared::to(&self.client, Method::GET, &path);
            // The long poll's own time, and some for the answer to come.
            request.timeout = Some(poll + self.client.timeout().unwrap_or(Duration::from_secs(10)));
            let answer = request.send().await?;
            if answer.status() != StatusCode::ACCEPTED {
                return self.read(&answer);
            }
            // `202`: not finished when the poll ended; again until the
            // deadline.
            if Instant::now() >= deadline {
                let status = object(&answer)?.remove("status").unwrap_or_default();
                let status = serde_json::from_value(status).map_err(|e| {
                    Error::Decode(DecodeError::new(answer.status(), "a task status", Some(e)))
                })?;
                return Err(Error::Unfinished(status));
            }
        }
    }

    /// A finished task's `result` member, as `T`.
    fn read(&self, answer: &Answer) -> Result<T, Error> {
        let result = object(answer)?.remove("result").unwrap_or_default();
        <T as Receive<'_>>::__qh_from_value(result).map_err(Error::Decode)
    }
}

impl<T> Clone for TaskHandle<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            task_id: self.task_id.clone(),
            request_id: self.request_id.clone(),
            result: PhantomData,
        }
    }
}

impl<T> fmt::Debug for TaskHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("task_id", &self.task_id)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

/// `answer`'s JSON object, for the task routes' answers.
fn object(answer: &Answer) -> Result<Map<String, Value>, DecodeError> {
    match serde_json::from_slice(answer.body()) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(DecodeError::new(answer.status(), "a JSON object", None)),
        Err(e) => Err(DecodeError::new(answer.status(), "a JSON object", Some(e))),
    }
}
