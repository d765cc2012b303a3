//! How the task routes answer: JSON objects in Python qh's key order, and
//! problem+json documents about tasks.

use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use http::{HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::Value;

use super::refusals::Refusals;
use crate::error::{Error, PROBLEM_JSON};
use crate::support::chain::Chain;
use crate::tasks::{QuotaKind, StoreError, SubmitError, Submitted, TaskRecord};

/// A JSON object that keeps its keys in insertion order (serde_json's map
/// sorts them without its `preserve_order` feature), so answers read like
/// Python qh's: `task_id` first.
#[derive(Default)]
pub(crate) struct Object(Vec<(&'static str, Value)>);

impl Object {
    pub(crate) fn with(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.set(key, value);
        self
    }

    pub(crate) fn set(&mut self, key: &'static str, value: impl Into<Value>) {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }
}

impl Serialize for Object {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

pub(crate) fn json(status: StatusCode, body: &impl Serialize) -> Response {
    crate::endpoint::respond::json_with_status(status, body)
}

pub(crate) fn not_found(task_id: &str) -> Response {
    let doc = problem(
        StatusCode::NOT_FOUND,
        "task-not-found",
        "no task with this ID",
    )
    // The ID comes from the path: bounded before it is repeated.
    .with(
        "task_id",
        &*crate::support::text::cut(task_id, crate::support::text::ECHO_LIMIT),
    );
    problem_response(StatusCode::NOT_FOUND, &doc)
}

/// `GET /tasks/` when the runner does not serve it (see
/// [`RunnerBuilder::listing`](crate::tasks::RunnerBuilder::listing)).
pub(crate) fn listing_off() -> Response {
    let doc = problem(
        StatusCode::NOT_FOUND,
        "task-listing-off",
        "this server does not list tasks; ask for a task by its ID",
    );
    problem_response(StatusCode::NOT_FOUND, &doc)
}

/// A submission refused because an owner hook found no owner for it. No
/// `WWW-Authenticate`: the scheme is the app's, whose auth layer in front
/// of the routes is where a challenge belongs.
pub(crate) fn no_owner() -> Response {
    tracing::info!("task submission refused: the owner hook found no owner");
    let doc = problem(
        StatusCode::UNAUTHORIZED,
        "task-owner-missing",
        "tasks are run for identified callers only; this request names none",
    );
    problem_response(StatusCode::UNAUTHORIZED, &doc)
}

/// A caller over one of its [quotas](crate::tasks::Quota): `429`
/// problem+json with `Retry-After` (a wait frees soonest), the bound and
/// which one, logged at a bounded rate by the caller.
pub(crate) fn over_quota(kind: QuotaKind, limit: usize) -> Response {
    let detail = match kind {
        QuotaKind::Running => "you have too many unfinished tasks; try again when one finishes",
        QuotaKind::Kept => {
            "you have too many tasks kept, none of them finished; try again when one finishes"
        }
        QuotaKind::Waiting => "you have too many requests waiting for tasks; ask without `wait`",
    };
    let doc = problem(StatusCode::TOO_MANY_REQUESTS, "task-quota", detail)
        .with("quota", kind.as_str())
        .with("limit", limit);
    let mut response = problem_response(StatusCode::TOO_MANY_REQUESTS, &doc);
    let retry_after = if kind == QuotaKind::Waiting { "1" } else { "5" };
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static(retry_after));
    response
}

/// The same `Idempotency-Key` with another request (IETF httpapi's
/// idempotency-key draft: `422`).
fn key_reused() -> Response {
    let doc = problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency-key-reused",
        "this Idempotency-Key was used with another request; use a new key for a new request",
    );
    problem_response(StatusCode::UNPROCESSABLE_ENTITY, &doc)
}

/// An `Idempotency-Key` that is not one (the draft: `400`).
fn bad_key() -> Response {
    let doc = problem(
        StatusCode::BAD_REQUEST,
        "idempotency-key-invalid",
        "invalid Idempotency-Key: expected one string of 1 to 255 visible ASCII characters, e.g. \"8e03978e-40d5-43e8-bc93-6894a57f9324\"",
    )
    .with("header", "idempotency-key");
    problem_response(StatusCode::BAD_REQUEST, &doc)
}

/// Quota refusals of submissions, logged at a bounded rate.
static OVER_QUOTA: Refusals = Refusals::new();

pub(crate) fn task_problem(
    http: StatusCode,
    slug: &str,
    detail: &str,
    record: &TaskRecord,
    error: Option<&str>,
) -> Response {
    let mut doc = problem(http, slug, detail);
    // `status` stays the HTTP status (RFC 9457); the task's is its own.
    doc.set("task_status", record.status.as_str());
    doc.set("task_id", record.task_id.as_str());
    if let Some(error) = error {
        doc.set("error", error);
    }
    problem_response(http, &doc)
}

/// How a route answers when the store refuses: 503 problem+json with
/// `Retry-After` and a generic detail (never the backend's text, which may
/// name hosts or hold a secret), and one log line naming what failed
/// (`action`), which carries the asking request's ID. A full store is the
/// app's capacity (WARN); a backend failure is an outage (ERROR).
pub(crate) fn store_failed(e: &StoreError, action: &'static str) -> Response {
    let (detail, retry_after) = match e {
        StoreError::Full => {
            FULL.log(|suppressed| {
                tracing::warn!(action, error = %e, suppressed, "task store refused: full of unfinished tasks");
            });
            (
                "the server has too many unfinished tasks; try again later",
                "5",
            )
        }
        // An outage, or a record the store cannot read: the backend's text
        // (its causes) to the log only.
        _ => {
            tracing::error!(action, error = %Chain(e), "task store failed");
            ("the task store is unavailable; try again later", "1")
        }
    };
    unavailable(detail, retry_after)
}

/// Refusals of a full store, logged at a bounded rate.
static FULL: Refusals = Refusals::new();

/// `202 Accepted`, `Location: /tasks/{task_id}` and the submission's JSON,
/// as Python qh answers a submission.
impl IntoResponse for Submitted {
    fn into_response(self) -> Response {
        let mut response = json(StatusCode::ACCEPTED, &self);
        // Task IDs are UUIDs, always a valid header value.
        if let Ok(location) = HeaderValue::from_str(&self.location()) {
            response.headers_mut().insert(LOCATION, location);
        }
        response
    }
}

/// [`Store`](SubmitError::Store) answers as a store failure does (`503`
/// problem+json, `Retry-After`, a generic detail, logged);
/// [`NoOwner`](SubmitError::NoOwner) answers `401`,
/// [`OverQuota`](SubmitError::OverQuota) `429` with `Retry-After`,
/// [`KeyReused`](SubmitError::KeyReused) `422` and
/// [`InvalidKey`](SubmitError::InvalidKey) `400`, all problem+json.
impl IntoResponse for SubmitError {
    fn into_response(self) -> Response {
        match self {
            SubmitError::Store(e) => store_failed(&e, "submitting a task"),
            SubmitError::NoOwner => no_owner(),
            SubmitError::OverQuota { quota, limit } => {
                OVER_QUOTA.log(|suppressed| {
                    tracing::warn!(
                        quota = quota.as_str(),
                        limit,
                        suppressed,
                        "task submission refused: the caller is over its quota"
                    );
                });
                over_quota(quota, limit)
            }
            SubmitError::KeyReused => key_reused(),
            SubmitError::InvalidKey => bad_key(),
        }
    }
}

/// 503 problem+json for the asking request, with `Retry-After` (seconds).
pub(crate) fn unavailable(detail: &'static str, retry_after: &'static str) -> Response {
    let mut response = Error::new(StatusCode::SERVICE_UNAVAILABLE, detail).into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static(retry_after));
    response
}

/// The RFC 9457 members qh always writes, for the asking request.
fn problem(http: StatusCode, slug: &str, detail: &str) -> Object {
    let mut doc = Object::default()
        .with("type", format!("urn:qh:problem:{slug}"))
        .with("title", http.canonical_reason().unwrap_or("Error"))
        .with("status", http.as_u16())
        .with("detail", detail);
    if let Some(id) = crate::context::request_id() {
        doc.set("request_id", id.as_str());
    }
    doc
}

fn problem_response(http: StatusCode, doc: &Object) -> Response {
    let mut response = json(http, doc);
    response.headers_mut().insert(CONTENT_TYPE, PROBLEM_JSON);
    response
}
