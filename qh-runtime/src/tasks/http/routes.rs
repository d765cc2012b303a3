//! The task routes' handlers, with Python qh's shapes (their query
//! parameters are read in `query`).

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodFilter, MethodRouter};
use axum::Router;
use http::{StatusCode, Uri};
use serde::Serialize;

use super::answers::{json, listing_off, not_found, store_failed, task_problem, Object};
use super::mounting::mergeable;
use super::query::{list_params, wait_params};
use super::table::{self, Serve};
use crate::error::{Error, ErrorKind};
use crate::tasks::owner::Scope;
use crate::tasks::store::record::seconds;
use crate::tasks::{CallerTasks, TaskRecord, TaskStatus};

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
