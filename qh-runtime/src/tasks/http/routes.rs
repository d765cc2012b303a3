//! The task routes, with Python qh's shapes.

use std::time::Duration;

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodFilter, MethodRouter};
use axum::Router;
use http::{StatusCode, Uri};
use serde::Serialize;

use super::answers::{json, listing_off, not_found, store_failed, task_problem, Object};
use super::mounting::mergeable;
use super::table::{self, Serve};
use crate::error::{Error, ErrorKind};
use crate::extract::parse_bool;
use crate::tasks::owner::Scope;
use crate::tasks::store::record::seconds;
use crate::tasks::{CallerTasks, ListFilter, TaskRecord, TaskStatus};

/// How long `?wait=true` waits when no `timeout` is given (30 s).
///
/// # Examples
///
/// A long-poll for a task's result, under a client deadline that outlasts
/// the server's wait:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::time::Duration;
///
/// use axum::{body::Body, http::{Request, StatusCode}, Extension, Router};
/// use qh::tasks::{Runner, DEFAULT_WAIT};
/// use tower::ServiceExt;
///
/// let runner = Runner::default();
/// let app: Router = qh::tasks::router().layer(Extension(runner.clone()));
/// let task = runner.submit("report", async { Ok::<_, String>(42) }).await.unwrap();
///
/// let uri = format!("/tasks/{}/result?wait=true", task.task_id);
/// let poll = app.oneshot(Request::get(uri).body(Body::empty()).unwrap());
/// let res = tokio::time::timeout(DEFAULT_WAIT + Duration::from_secs(5), poll)
///     .await
///     .expect("the server answers within its wait")
///     .unwrap();
/// assert_eq!(res.status(), StatusCode::OK);
/// # }
/// ```
pub const DEFAULT_WAIT: Duration = Duration::from_secs(30);
/// The longest `?timeout=` (300 s): a longer one is refused (400).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::{body::Body, http::{Request, StatusCode}, Extension, Router};
/// use qh::tasks::Runner;
/// use tower::ServiceExt;
///
/// let app: Router = qh::tasks::router()
///     .layer(Extension(Runner::default()))
///     .layer(qh::Tracking::new());
/// let over = qh::tasks::MAX_WAIT.as_secs() + 1;
/// let uri = format!("/tasks/some-task/result?wait=true&timeout={over}");
/// let res = app.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(res.status(), StatusCode::BAD_REQUEST);
/// # }
/// ```
pub const MAX_WAIT: Duration = Duration::from_secs(300);
/// How many tasks `GET /tasks/` lists when no `limit` is given.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::{body::Body, http::Request, Extension, Router};
/// use qh::tasks::{Runner, DEFAULT_LIST_LIMIT};
/// use tower::ServiceExt;
///
/// let runner = Runner::builder().listing(true).build();
/// for _ in 0..DEFAULT_LIST_LIMIT + 5 {
///     runner.submit("report", async { Ok::<_, String>(()) }).await.unwrap();
/// }
/// let app: Router = qh::tasks::router().layer(Extension(runner));
/// let res = app.oneshot(Request::get("/tasks/").body(Body::empty()).unwrap()).await.unwrap();
/// let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
/// let listed: serde_json::Value = serde_json::from_slice(&body).unwrap();
/// // The newest DEFAULT_LIST_LIMIT; `?limit=` asks for more.
/// assert_eq!(listed["tasks"].as_array().unwrap().len(), DEFAULT_LIST_LIMIT);
/// # }
/// ```
pub const DEFAULT_LIST_LIMIT: usize = 100;
/// The most tasks one `GET /tasks/` lists: a larger `limit` is refused
/// (400).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::{body::Body, http::{Request, StatusCode}, Extension, Router};
/// use qh::tasks::Runner;
/// use tower::ServiceExt;
///
/// let app: Router = qh::tasks::router()
///     .layer(Extension(Runner::builder().listing(true).build()))
///     .layer(qh::Tracking::new());
/// let uri = format!("/tasks/?limit={}", qh::tasks::MAX_LIST_LIMIT + 1);
/// let res = app.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(res.status(), StatusCode::BAD_REQUEST);
/// # }
/// ```
pub const MAX_LIST_LIMIT: usize = 1000;

/// The task routes, to merge into an app's router. Shapes follow Python
/// qh, so its clients work unchanged:
///
/// | route | answer |
/// |---|---|
/// | `GET /tasks/{id}/status` | 200 `{task_id, status, created_at, started_at, completed_at}` |
/// | `GET /tasks/{id}/result?wait=false&timeout=30` | 200 `{task_id, status: "completed", result}`; 202 `{task_id, status, message}` while not finished, also when a wait (`timeout` from 0 to 300 s) ends first; 500 problem+json with `task_id`, `task_status: "failed"`, `error` when failed; 409 with `task_status: "cancelled"` when cancelled |
/// | `GET /tasks/{id}` | 200 the whole [`TaskRecord`] |
/// | `DELETE /tasks/{id}` | cancels the task if running, removes it: 200 `{task_id, status: "deleted"}` |
/// | `GET /tasks/?limit=100&request_id=…` | 200 `{"tasks": [record, …]}`, newest first (`limit` from 0 to 1000); 404 problem+json unless [`RunnerBuilder::listing`] or [`RunnerBuilder::owner`] serves it |
///
/// Who sees what: without an [owner hook](crate::tasks::RunnerBuilder::owner), any client
/// that knows a task's ID can read, wait for and delete it (task IDs are
/// random UUIDs, handed only to the submitting client), and `GET /tasks/`
/// answers 404 problem+json unless [`RunnerBuilder::listing`] turns it on.
/// With a hook,
/// each route serves the caller's own tasks only: another owner's task (or
/// an ownerless one) answers exactly as an unknown one, and the listing
/// lists the caller's own (its `request_id=` filter within them).
///
/// Unknown tasks answer 404 problem+json with `task_id`. Errors are
/// `application/problem+json` with the asking request's `request_id`; their
/// `status` is the HTTP status number (RFC 9457), and where the document is
/// about a task's state, its `task_status` member holds that state
/// (`"failed"`, `"cancelled"`). Every answer echoes the request's ID: the app's
/// [`Tracking`](crate::Tracking) layer's, or, without one, an ID resolved
/// with the defaults of [`Tracking::new`](crate::Tracking::new).
///
/// The runner used is the request's `axum::Extension<Runner>` (seen as the
/// asking request's [`CallerTasks`]); a request without one is answered
/// `500` problem+json. A failed task's message is shown only when
/// [`RunnerBuilder::expose_errors`] is on.
///
/// Mounting them twice is harmless: `qh::routes!` mounts them for its task
/// endpoints, and routers that both have them merge without axum's
/// overlapping-route panic (a second mount is ignored; a route of yours on
/// one of these paths keeps its own methods).
///
/// ```
/// use axum::{routing::get, Router, Extension};
/// use qh::tasks::Runner;
///
/// let app: Router = Router::new()
///     .route("/", get(|| async { "ok" }))
///     .merge(qh::tasks::router())
///     .layer(Extension(Runner::default()))
///     .layer(qh::Tracking::new());
/// ```
///
/// [`RunnerBuilder::listing`]: crate::tasks::RunnerBuilder::listing
/// [`RunnerBuilder::owner`]: crate::tasks::RunnerBuilder::owner
/// [`RunnerBuilder::expose_errors`]: crate::tasks::RunnerBuilder::expose_errors
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    // From the one table the OpenAPI document is described from too.
    table::paths()
        .into_iter()
        .fold(Router::new(), |router, (path, routes)| {
            let methods = routes.iter().fold(MethodRouter::new(), |methods, route| {
                let filter =
                    MethodFilter::try_from(route.method.clone()).unwrap_or(MethodFilter::GET);
                methods.on(filter, handler(route.serve))
            });
            router.route(path, mergeable(methods, &table::allow(&routes)))
        })
}

/// The handler of what `serve` names.
fn handler(serve: Serve) -> MethodRouter<()> {
    match serve {
        Serve::Status => get(status),
        Serve::Result => get(result),
        Serve::Record => get(record),
        Serve::Delete => axum::routing::delete(delete),
        Serve::List => get(list),
    }
}

type Id = Result<Path<String>, PathRejection>;

fn task_id(id: Id) -> Result<String, Box<Error>> {
    id.map(|Path(id)| id).map_err(|e| {
        Box::new(
            Error::with_kind(
                ErrorKind::InvalidPath,
                StatusCode::BAD_REQUEST,
                e.body_text(),
            )
            .at_path("task_id"),
        )
    })
}

/// The record of `id` if the asking request may see it; otherwise the
/// answer for an unknown task, after the same one store read, in the same
/// time (no oracle: the store compares the owner before it reads the
/// record, so another owner's task and no task look alike). `action`
/// names the read in the log when the store fails.
async fn mine(tasks: &CallerTasks, id: &str, action: &'static str) -> Result<TaskRecord, Response> {
    match tasks.read(id).await {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(not_found(id)),
        Err(e) => Err(store_failed(&e, action)),
    }
}

async fn status(tasks: CallerTasks, id: Id) -> Response {
    let id = match task_id(id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match mine(&tasks, &id, "reading a task's status").await {
        Ok(r) => json(
            StatusCode::OK,
            &Object::default()
                .with("task_id", r.task_id)
                .with("status", r.status.as_str())
                .with("created_at", seconds(r.created_at))
                .with("started_at", r.started_at.map(seconds))
                .with("completed_at", r.completed_at.map(seconds))
                .with("attempt", r.attempt)
                .with("max_attempts", r.max_attempts),
        ),
        Err(refused) => refused,
    }
}

async fn record(tasks: CallerTasks, id: Id) -> Response {
    let id = match task_id(id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match mine(&tasks, &id, "reading a task").await {
        Ok(r) => json(StatusCode::OK, &shown(&tasks, r)),
        Err(refused) => refused,
    }
}

/// A record as the routes show it: a failure's details only when the
/// runner is configured to expose them (they may hold internals, a panic
/// message say), as for `/result`. A cancelled task's reason is qh's own
/// (a shutdown gave up on it): always shown.
fn shown(tasks: &CallerTasks, mut record: TaskRecord) -> TaskRecord {
    let own_reason = record.status == TaskStatus::Cancelled;
    if !tasks.runner().expose_errors() && record.error.is_some() && !own_reason {
        record.error = Some(HIDDEN_ERROR.to_owned());
    }
    record
}

/// What a hidden failure says.
const HIDDEN_ERROR: &str = "the task failed; the server logs have the details";

async fn delete(tasks: CallerTasks, id: Id) -> Response {
    let id = match task_id(id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    if let Err(refused) = mine(&tasks, &id, "deleting a task").await {
        return refused;
    }
    match tasks.runner().delete(&id).await {
        Ok(true) => json(
            StatusCode::OK,
            &Object::default()
                .with("task_id", id)
                .with("status", "deleted"),
        ),
        Ok(false) => not_found(&id),
        Err(e) => store_failed(&e, "deleting a task"),
    }
}

async fn result(tasks: CallerTasks, id: Id, uri: Uri) -> Response {
    let id = match task_id(id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let (wait, timeout) = match wait_params(&uri) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let record = match mine(&tasks, &id, "reading a task's result").await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    // Seen first, waited for then: no one waits on another's task.
    let record = if wait && !record.status.is_finished() {
        match super::waiting::wait(&tasks, &id, timeout).await {
            Ok(Some(r)) => r,
            Ok(None) => return not_found(&id),
            Err(refused) => return refused,
        }
    } else {
        record
    };
    match record.status {
        TaskStatus::Completed => json(
            StatusCode::OK,
            &Object::default()
                .with("task_id", id)
                .with("status", "completed")
                .with("result", record.result),
        ),
        TaskStatus::Failed => {
            let error = match (&record.error, tasks.runner().expose_errors()) {
                (Some(e), true) => e.as_str(),
                _ => HIDDEN_ERROR,
            };
            task_problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "task-failed",
                "the task failed",
                &record,
                Some(error),
            )
        }
        TaskStatus::Cancelled => task_problem(
            StatusCode::CONFLICT,
            "task-cancelled",
            "the task was cancelled",
            &record,
            None,
        ),
        // Not finished, waited for or not: the same `202`. A wait that ends
        // first is no error of the request (RFC 9110's 408 means the server
        // gave up on the request itself): the client asks again.
        TaskStatus::Pending | TaskStatus::Running => json(
            StatusCode::ACCEPTED,
            &Object::default()
                .with("task_id", id)
                .with("status", record.status.as_str())
                .with(
                    "message",
                    format!("task is {}; the result is not ready yet", record.status),
                ),
        ),
    }
}

async fn list(tasks: CallerTasks, uri: Uri) -> Response {
    let mut filter = match list_params(&uri) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    match tasks.listing_scope() {
        Scope::All => {}
        Scope::Owner(owner) => filter.owner = Some(owner),
        Scope::Nothing => return json(StatusCode::OK, &Listing { tasks: Vec::new() }),
        Scope::Off => return listing_off(),
    }
    match tasks.runner().store().list(&filter).await {
        Ok(records) => {
            let tasks_shown = records.into_iter().map(|r| shown(&tasks, r)).collect();
            json(StatusCode::OK, &Listing { tasks: tasks_shown })
        }
        Err(e) => store_failed(&e, "listing tasks"),
    }
}

#[derive(Serialize)]
struct Listing {
    tasks: Vec<TaskRecord>,
}

fn query_pairs(uri: &Uri) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
}

fn invalid_query(name: &'static str, why: &str) -> Error {
    Error::with_kind(
        ErrorKind::InvalidQuery,
        StatusCode::BAD_REQUEST,
        format!("invalid query parameter `{name}`: {why}"),
    )
    .at_query(name)
}

/// `wait` (a boolean, as Python qh reads `?async=`) and `timeout` (seconds).
fn wait_params(uri: &Uri) -> Result<(bool, Duration), Error> {
    let mut wait = false;
    let mut timeout = DEFAULT_WAIT.as_secs_f64();
    for (key, value) in query_pairs(uri) {
        match key.as_str() {
            "wait" => {
                wait = parse_bool(value.as_bytes())
                    .ok_or_else(|| invalid_query("wait", "expected true or false"))?;
            }
            "timeout" => {
                // Bounded as documented (`minimum`, `maximum`): a value
                // the document calls invalid is refused, not cut.
                let max = MAX_WAIT.as_secs_f64();
                timeout = value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|t| (0.0..=max).contains(t))
                    .ok_or_else(|| {
                        invalid_query(
                            "timeout",
                            &format!("expected seconds from 0 to {max}, e.g. 2.5"),
                        )
                    })?;
            }
            _ => {}
        }
    }
    // Seconds on the wire; in bounds, so a `Duration`.
    Ok((wait, Duration::from_secs_f64(timeout)))
}

fn list_params(uri: &Uri) -> Result<ListFilter, Error> {
    let mut filter = ListFilter::new(DEFAULT_LIST_LIMIT);
    for (key, value) in query_pairs(uri) {
        match key.as_str() {
            "limit" => {
                // Integers as every integer source reads them (`2.0`
                // too), bounded as documented.
                filter.limit = crate::extract::integral::parse_int::<usize>(&value)
                    .filter(|limit| *limit <= MAX_LIST_LIMIT)
                    .ok_or_else(|| {
                        invalid_query(
                            "limit",
                            &format!("expected a whole number from 0 to {MAX_LIST_LIMIT}"),
                        )
                    })?;
            }
            // Bounded and in the ID alphabet, or no task can match (and
            // nothing unbounded reaches the store's keys).
            "request_id" => match value.parse::<crate::id::RequestId>() {
                Ok(id) => filter.request_id = Some(id.to_string()),
                Err(_) => filter.limit = 0,
            },
            _ => {}
        }
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_follow_python_qh() {
        for yes in ["true", "TRUE", "1", "Yes"] {
            assert_eq!(parse_bool(yes.as_bytes()), Some(true), "{yes}");
        }
        for no in ["false", "0", "NO"] {
            assert_eq!(parse_bool(no.as_bytes()), Some(false), "{no}");
        }
        assert_eq!(parse_bool("maybe".as_bytes()), None);
        assert_eq!(parse_bool("".as_bytes()), None);
    }

    #[test]
    fn wait_params_are_bounded_and_checked() {
        let uri: Uri = "/r?wait=1&timeout=300".parse().unwrap();
        assert_eq!(wait_params(&uri).unwrap(), (true, MAX_WAIT));
        let uri: Uri = "/r?timeout=0".parse().unwrap();
        assert_eq!(wait_params(&uri).unwrap(), (false, Duration::ZERO));
        for bad in [
            "/r?timeout=-1",
            "/r?timeout=-1.7e308",
            "/r?timeout=300.5",
            "/r?timeout=99999",
            "/r?timeout=NaN",
            "/r?timeout=inf",
            "/r?wait=sure",
        ] {
            let uri: Uri = bad.parse().unwrap();
            assert_eq!(wait_params(&uri).unwrap_err().status(), 400, "{bad}");
        }
        let uri: Uri = "/tasks/?limit=1000&request_id=a%2Fb".parse().unwrap();
        let filter = list_params(&uri).unwrap();
        assert_eq!(filter.limit, MAX_LIST_LIMIT);
        assert_eq!(filter.request_id.as_deref(), Some("a/b"));
        let uri: Uri = "/tasks/?limit=7.0".parse().unwrap();
        assert_eq!(list_params(&uri).unwrap().limit, 7);
        for bad in [
            "limit=1001",
            "limit=5000",
            "limit=-862",
            "limit=2.5",
            "limit=x",
        ] {
            let uri: Uri = format!("/tasks/?{bad}").parse().unwrap();
            let e = list_params(&uri).unwrap_err();
            assert_eq!(e.status(), 400, "{bad}");
            assert_eq!(e.kind(), ErrorKind::InvalidQuery, "{bad}");
            assert!(e.detail().contains("`limit`"), "{bad}: {}", e.detail());
        }
    }
}
