//! [`CallerTasks`]: the app's [`Runner`] as one request sees it (its caller
//! named by the owner hook), and the axum extractor that finds it, which is
//! how task endpoints and the `/tasks` routes get it.

use std::fmt::Display;
use std::future::Future;

use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;
use serde::Serialize;

use super::error::outcome_of;
use super::owner::Caller;
use super::{Runner, SubmitError, Submitted, TaskOutcome};
use crate::error::{Error, ErrorKind};

/// The request's view of the app's [`Runner`]: it knows the caller (the
/// owner its [owner hook](super::RunnerBuilder::owner) names), so what it
/// submits is recorded as the caller's, and the `/tasks` routes answer only
/// what the caller may see.
///
/// An axum extractor (task endpoints and the `/tasks` routes take it): it
/// finds the request's runner, an `axum::Extension(runner)` layered on the
/// router (a router made by `qh::routes!` with a task endpoint supplies a
/// memory runner of its own to requests that carry none), and asks the
/// hook about the request. A request with no runner at all is answered
/// `500` problem+json (a configuration mistake, logged at ERROR).
///
/// A distinct type from [`Runner`]: passing the app's runner where a
/// request's view is meant does not compile. Make one by hand with
/// [`Runner::for_request`].
///
/// ```
/// use axum::response::{IntoResponse, Response};
/// use axum::{routing::post, Extension, Router};
/// use qh::tasks::{CallerTasks, Runner};
///
/// async fn submit(tasks: CallerTasks) -> Response {
///     match tasks.submit("report", async { Ok::<_, String>(42) }).await {
///         Ok(submitted) => submitted.into_response(), // 202, Location, JSON
///         Err(e) => e.into_response(),                // 503 (store), 401 (no owner)
///     }
/// }
///
/// let app: Router = Router::new()
///     .route("/report", post(submit))
///     .merge(qh::tasks::router())
///     .layer(Extension(Runner::default()))
///     .layer(qh::Tracking::new());
/// ```
#[derive(Clone)]
pub struct CallerTasks {
    runner: Runner,
    caller: Caller,
}

impl std::fmt::Debug for CallerTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallerTasks")
            .field("runner", &self.runner)
            .field("has_owner", &self.caller.owner().is_some())
            .finish()
    }
}

impl CallerTasks {
    pub(super) fn new(runner: Runner, caller: Caller) -> Self {
        Self { runner, caller }
    }

    pub(super) fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The app's runner this view is of.
    #[must_use]
    pub fn runner(&self) -> &Runner {
        &self.runner
    }

    /// The caller's owner, as the runner's owner hook named it (`None`
    /// without a hook, or when the hook found none).
    #[must_use]
    pub fn owner(&self) -> Option<&str> {
        self.caller.owner()
    }

    /// Submits `work` as a task of the function `endpoint`, owned by the
    /// caller (see [`Runner::submit`] for how it runs).
    ///
    /// # Errors
    ///
    /// When the store cannot record the task ([`SubmitError::Store`]), or
    /// the runner has an owner hook that found no owner for the request
    /// ([`SubmitError::NoOwner`]); the work is then never run.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub async fn submit<F, T, E>(&self, endpoint: &str, work: F) -> Result<Submitted, SubmitError>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Serialize,
        E: Display,
    {
        self.submit_json(endpoint, async move { outcome_of(work.await) })
            .await
    }

    /// [`submit`](Self::submit) for work that already produces a
    /// [`TaskOutcome`]; what task endpoints call.
    ///
    /// # Errors
    ///
    /// As [`submit`](Self::submit).
    pub async fn submit_json<F>(&self, endpoint: &str, work: F) -> Result<Submitted, SubmitError>
    where
        F: Future<Output = TaskOutcome> + Send + 'static,
    {
        self.runner.submit_as(&self.caller, endpoint, work).await
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for CallerTasks {
    /// `500` problem+json: the request carries no [`Runner`].
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        caller_tasks(parts)
    }
}

/// The request's [`CallerTasks`]: its runner (an `Extension<Runner>`) asked
/// about the request; what task endpoints' generated code calls.
///
/// # Errors
///
/// `500` problem+json (logged at ERROR) when the request carries no
/// runner: the app mounted task routes without one.
// The error is the answer itself, as axum's rejections are.
#[allow(clippy::result_large_err)]
pub fn caller_tasks(parts: &Parts) -> Result<CallerTasks, Response> {
    match parts.extensions.get::<Runner>() {
        Some(runner) => Ok(runner.for_request(parts)),
        None => {
            tracing::error!(
                "no task runner for this request: layer `axum::Extension(qh::tasks::Runner)` \
                 on the router that serves task routes"
            );
            Err(Error::with_kind(
                ErrorKind::Internal,
                StatusCode::INTERNAL_SERVER_ERROR,
                "this server is not set up to run tasks",
            )
            .into_response())
        }
    }
}
