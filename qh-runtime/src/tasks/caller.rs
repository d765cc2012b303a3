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
use super::replay::{Replay, ReplayMarker};
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
///
/// The request's `Idempotency-Key` header applies to what it submits: the
/// same key from the same caller, while the first task's record is kept,
/// answers that task again instead of running another (see
/// [`submit`](Self::submit)).
#[derive(Clone)]
pub struct CallerTasks {
    runner: Runner,
    caller: Caller,
    /// Who the caller counts as for the quotas (`None`: made by hand for
    /// no request, or the app's own work).
    quota_key: Option<String>,
    /// The request's `Idempotency-Key`; `Err` when it has an invalid one.
    idempotency_key: Result<Option<String>, ()>,
    /// Set on a request rebuilt to run a task again: its work is handed
    /// to the runner instead of submitted.
    replay: Option<ReplayMarker>,
}

impl std::fmt::Debug for CallerTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallerTasks")
            .field("runner", &self.runner)
            .field("has_owner", &self.caller.owner().is_some())
            .finish_non_exhaustive()
    }
}

impl CallerTasks {
    pub(super) fn new(runner: Runner, caller: Caller, parts: &Parts) -> Self {
        let quota_key = Some(super::quota::key_of(caller.owner(), parts));
        Self {
            runner,
            caller,
            quota_key,
            idempotency_key: idempotency_key(parts),
            replay: parts.extensions.get::<ReplayMarker>().cloned(),
        }
    }

    pub(super) fn caller(&self) -> &Caller {
        &self.caller
    }

    /// Who the caller counts as for the runner's quotas: `owner:…` or
    /// `peer:…`.
    pub(crate) fn quota_key(&self) -> Option<&str> {
        self.quota_key.as_deref()
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
    /// caller and counted against its [quota](super::Quota) (see
    /// [`Runner::submit`] for how it runs). A future cannot be run again:
    /// such a task is not re-run when its instance is lost, and fails
    /// instead (task endpoints, `#[qh::endpoint(task)]`, are re-run).
    ///
    /// With an `Idempotency-Key` on the request, a second submission of the
    /// same `endpoint` with the same key by the same caller, while the
    /// first task's record is kept, returns the first task (its ID) and
    /// drops `work` unrun. (A task endpoint compares the whole request:
    /// here, only `endpoint` can be compared.)
    ///
    /// # Errors
    ///
    /// When the store cannot record the task ([`SubmitError::Store`]), the
    /// runner has an owner hook that found no owner for the request
    /// ([`SubmitError::NoOwner`]), the caller is over a quota
    /// ([`SubmitError::OverQuota`]), or its `Idempotency-Key` is invalid
    /// or was used for another endpoint ([`SubmitError::InvalidKey`],
    /// [`SubmitError::KeyReused`]); the work is then never run.
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
        self.runner
            .submit_as(self, endpoint, Box::pin(work), None)
            .await
    }

    /// What a task endpoint submits: its `work` and how to run it again
    /// (`replay`). On a request rebuilt to run a task again, the work is
    /// handed to the runner instead, and nothing is submitted.
    pub(crate) async fn submit_replayable<F>(
        &self,
        endpoint: &str,
        work: F,
        replay: Replay,
    ) -> Result<Submitted, SubmitError>
    where
        F: Future<Output = TaskOutcome> + Send + 'static,
    {
        if let Some(marker) = &self.replay {
            marker.hand_over(Box::pin(work));
            return Ok(Submitted::new(String::new(), None));
        }
        self.runner
            .submit_as(self, endpoint, Box::pin(work), Some(replay))
            .await
    }

    /// The owner of what the caller submits, or its refusal; `in_request`:
    /// whether the submission is made inside a request.
    pub(super) fn submission(&self, in_request: bool) -> Result<Submission, SubmitError> {
        let owner = self
            .caller
            .submission_owner(self.runner.owner().is_some(), in_request)?;
        let idempotency_key = self
            .idempotency_key
            .clone()
            .map_err(|()| SubmitError::InvalidKey)?;
        Ok(Submission {
            owner,
            quota_key: self.quota_key.clone(),
            idempotency_key,
        })
    }
}

/// Who submits, as a record stores it.
pub(super) struct Submission {
    pub(super) owner: Option<String>,
    pub(super) quota_key: Option<String>,
    pub(super) idempotency_key: Option<String>,
}

/// The longest `Idempotency-Key` taken.
const MAX_KEY_LEN: usize = 255;

/// The request's `Idempotency-Key` (IETF httpapi's draft: a structured
/// field string, `"…"`; a bare token is taken too, as most clients send
/// one): `Ok(None)` without one, `Err` for several or one that is not 1 to
/// 255 visible ASCII characters.
fn idempotency_key(parts: &Parts) -> Result<Option<String>, ()> {
    let mut values = parts.headers.get_all("idempotency-key").iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(());
    }
    let text = value.to_str().map_err(|_| ())?.trim();
    let key = match text.strip_prefix('"') {
        // A structured-field string: printable ASCII, `\"` and `\\` escaped.
        Some(quoted) => {
            let inner = quoted.strip_suffix('"').ok_or(())?;
            let mut key = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => key.push(chars.next().filter(|c| matches!(c, '"' | '\\')).ok_or(())?),
                    '"' => return Err(()),
                    c if (' '..='~').contains(&c) => key.push(c),
                    _ => return Err(()),
                }
            }
            key
        }
        // A bare token: visible ASCII, no quote or backslash.
        None if text
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\') =>
        {
            text.to_owned()
        }
        None => return Err(()),
    };
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(());
    }
    Ok(Some(key))
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

/// For a `task = "optional"` endpoint run in the request (not submitted):
/// the `400` an invalid `Idempotency-Key` gets whether or not the call
/// is submitted, so the header means the same on both paths (and the
/// OpenAPI document's pattern holds for both). The key read for the
/// runner (`tasks`) is asked; it is read here only when there is none.
pub fn refuse_invalid_key(
    tasks: &Result<CallerTasks, Response>,
    parts: &Parts,
) -> Option<Response> {
    let invalid = match tasks {
        Ok(tasks) => tasks.idempotency_key.is_err(),
        Err(_) => idempotency_key(parts).is_err(),
    };
    invalid.then(|| SubmitError::InvalidKey.into_response())
}

#[cfg(test)]
mod tests {
    use super::idempotency_key;

    fn key(values: &[&str]) -> Result<Option<String>, ()> {
        let mut req = http::Request::post("/");
        for v in values {
            req = req.header("idempotency-key", *v);
        }
        idempotency_key(&req.body(()).unwrap().into_parts().0)
    }

    #[test]
    fn keys_are_strings_or_tokens_bounded() {
        assert_eq!(key(&[]), Ok(None));
        assert_eq!(
            key(&["\"8e03978e-40d5\""]),
            Ok(Some("8e03978e-40d5".into()))
        );
        assert_eq!(key(&["8e03978e-40d5"]), Ok(Some("8e03978e-40d5".into())));
        assert_eq!(key(&[r#""a \"b\" \\c""#]), Ok(Some(r#"a "b" \c"#.into())));
        for bad in ["", "\"\"", "\"open", "two words", "a\"b", r#""\x""#] {
            assert_eq!(key(&[bad]), Err(()), "{bad:?}");
        }
        assert_eq!(
            key(&[&"k".repeat(255)]).map(|k| k.map(|k| k.len())),
            Ok(Some(255))
        );
        assert_eq!(key(&[&"k".repeat(256)]), Err(()));
        assert_eq!(key(&["a", "b"]), Err(()));
    }
}
