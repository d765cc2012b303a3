//! A test app with task endpoints: a hand-written submitting handler (what
//! `#[qh::endpoint(task)]` will generate) with several kinds of work, the
//! `/tasks` routes, and helpers that check every answer echoes the asking ID.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Path;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use qh::background::Shutdown;
use qh::tasks::{CallerTasks, Runner, TaskRecord, TaskStore};
use serde_json::json;
use tokio::sync::Semaphore;

use super::wait::{until, until_true, PATIENCE};
use super::{send, Answer};

/// Lets gated tasks finish, one permit each.
#[derive(Clone)]
pub struct Gate(pub Arc<Semaphore>);

/// Counts the steps of `/submit/count` tasks; `dropped` says their future
/// was dropped (cancelled) rather than run to the end.
#[derive(Clone, Default)]
pub struct Steps {
    pub count: Arc<AtomicUsize>,
    pub dropped: Arc<AtomicBool>,
}

struct DropFlag(Arc<AtomicBool>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A hand-written submitting handler, as `#[qh::endpoint(task)]` will
/// generate: each `kind` is one kind of work.
async fn submit(
    tasks: CallerTasks,
    Path(kind): Path<String>,
    Extension(gate): Extension<Gate>,
    Extension(steps): Extension<Steps>,
) -> Response {
    let submitted = match kind.as_str() {
        // Its result is the request ID it saw: proves the context came along.
        "whoami" => {
            tasks
                .submit("whoami", async {
                    tokio::task::yield_now().await;
                    Ok::<_, String>(qh::request_id().map(|id| id.to_string()))
                })
                .await
        }
        "gated" => {
            tasks
                .submit("gated", async move {
                    let _permit = gate.0.acquire().await.map_err(|e| e.to_string())?;
                    Ok::<_, String>(json!({"answer": 42}))
                })
                .await
        }
        "fail" => {
            tasks
                .submit("fail", async { Err::<(), _>("disk full") })
                .await
        }
        "panic" => {
            tasks
                .submit("panic", async {
                    if qh::request_id().is_some() {
                        panic!("task exploded");
                    }
                    Ok::<(), String>(())
                })
                .await
        }
        "count" => {
            tasks
                .submit("count", async move {
                    let _flag = DropFlag(steps.dropped.clone());
                    for _ in 0..2000 {
                        steps.count.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    Ok::<_, String>("counted")
                })
                .await
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match submitted {
        Ok(s) => s.into_response(),
        // 503 from the store, 401 when an owner hook finds no owner.
        Err(e) => e.into_response(),
    }
}

pub struct App {
    pub router: Router,
    pub tasks: Runner,
    pub gate: Gate,
    pub steps: Steps,
    /// The app's own shutdown (its `Tracking` layer's).
    pub shutdown: Shutdown,
}

pub fn app_with(tasks: Runner) -> App {
    let gate = Gate(Arc::new(Semaphore::new(0)));
    let steps = Steps::default();
    let shutdown = Shutdown::new();
    let router = Router::new()
        .route("/submit/{kind}", post(submit))
        .merge(qh::tasks::router())
        .layer(Extension(gate.clone()))
        .layer(Extension(steps.clone()))
        .layer(Extension(tasks.clone()))
        .layer(qh::Tracking::new().shutdown(&shutdown));
    App {
        router,
        tasks,
        gate,
        steps,
        shutdown,
    }
}

/// An app whose runner lists every task (`RunnerBuilder::listing(true)`), as the
/// tests of the routes' shapes read them.
pub fn app() -> App {
    app_with(Runner::builder().listing(true).build())
}

pub fn with_id(method: &str, uri: &str, id: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("x-request-id", id)
        .body(Body::empty())
        .unwrap()
}

pub async fn submit_kind(app: &App, kind: &str, id: &str) -> String {
    let res = send(&app.router, with_id("POST", &format!("/submit/{kind}"), id)).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    let body = res.json();
    let task_id = body["task_id"].as_str().unwrap().to_owned();
    assert_eq!(
        res.headers["location"],
        format!("/tasks/{task_id}").as_str()
    );
    assert_eq!(
        body,
        json!({"task_id": task_id, "status": "submitted", "request_id": id})
    );
    assert_eq!(res.echoed(), id);
    task_id
}

pub async fn ask(app: &App, method: &str, uri: &str, id: &str) -> Answer {
    let res = send(&app.router, with_id(method, uri, id)).await;
    assert_eq!(res.echoed(), id, "{method} {uri} must echo the asking ID");
    res
}

/// The task's record once it has finished (waited for, bounded by
/// [`PATIENCE`]; the caller asserts which status it reached).
pub async fn finished<S: TaskStore + ?Sized>(store: &S, task_id: &str) -> TaskRecord {
    store
        .wait(task_id, PATIENCE)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("task {task_id} has no record"))
}

/// Polls the status route until `want` (bounded by [`PATIENCE`]).
pub async fn until_status(app: &App, task_id: &str, want: &str) {
    until(&format!("task {task_id} to be {want}"), || async {
        let res = ask(app, "GET", &format!("/tasks/{task_id}/status"), "poll").await;
        res.json()["status"] == want
    })
    .await;
}

/// Waits until a `count` task's future was dropped (bounded by [`PATIENCE`]).
pub async fn until_dropped(app: &App) {
    until_true("the task's future to be dropped", || {
        app.steps.dropped.load(Ordering::SeqCst)
    })
    .await;
}

/// A problem (the shape `common::assert_problem` checks) carrying the
/// asking request's ID.
pub fn assert_problem(res: &Answer, status: StatusCode, asking: &str) -> serde_json::Value {
    let doc = super::assert_problem(res, status);
    assert_eq!(doc["request_id"], asking, "{doc}");
    doc
}
