//! The task system's refusals (memory store): a full store, a failing
//! backend and too many waiters each answer `503` problem+json at once, with
//! `Retry-After`, a generic detail and a log line for the asking request.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use axum::{Extension, Router};
use common::capture::Capture;
use common::task_app::{app_with, ask, assert_problem, submit_kind, until_status, with_id};
use common::{send, Answer};
use qh::tasks::{
    BoxFuture, ListFilter, MemoryTaskStore, Runner, StoreError, TaskRecord, TaskStore, Transition,
};

#[qh::endpoint(task)]
async fn quick() -> u32 {
    7
}

fn generated(tasks: &Runner) -> Router {
    qh::routes![quick]
        .layer(Extension(tasks.clone()))
        .layer(qh::Tracking::new())
}

async fn submit_quick(router: &Router, id: &str) -> Answer {
    send(router, with_id("POST", "/quick", id)).await
}

fn logging() -> (Capture, tracing::subscriber::DefaultGuard) {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = qh::logs::json()
        .filter("info")
        .writer(move || writer.clone())
        .finish();
    (capture, tracing::subscriber::set_default(subscriber))
}

fn logged<'a>(
    lines: &'a [serde_json::Value],
    asking: &str,
    message: &str,
) -> &'a serde_json::Value {
    lines
        .iter()
        .find(|l| l["request_id"] == asking && l["fields"]["message"] == message)
        .unwrap_or_else(|| panic!("no {message:?} logged for {asking}: {lines:?}"))
}

#[tokio::test]
async fn a_full_store_answers_503_with_retry_after_and_logs_it() {
    let (logs, _guard) = logging();
    let tasks = Runner::new(MemoryTaskStore::new().capacity(1));
    let app = app_with(tasks.clone());
    submit_kind(&app, "gated", "first").await;
    let res = submit_quick(&generated(&tasks), "second").await;
    let doc = assert_problem(&res, StatusCode::SERVICE_UNAVAILABLE, "second");
    assert_eq!(res.headers["retry-after"], "5");
    assert_eq!(
        doc["detail"],
        "the server has too many unfinished tasks; try again later"
    );
    let lines = logs.lines();
    let line = logged(
        &lines,
        "second",
        "task store refused: full of unfinished tasks",
    );
    assert_eq!(line["level"], "WARN");
    assert_eq!(line["fields"]["action"], "submitting a task");
    app.gate.0.add_permits(1);
}

/// A store whose backend always fails, with a secret in its error.
struct Broken;

const SECRET: &str = "redis://:hunter2@10.0.0.7:6379 broken pipe";

fn broken<'a, T: Send + 'a>() -> BoxFuture<'a, Result<T, StoreError>> {
    Box::pin(async { Err(StoreError::unavailable(SECRET)) })
}

impl TaskStore for Broken {
    fn create(&self, _: TaskRecord) -> BoxFuture<'_, Result<(), StoreError>> {
        broken()
    }
    fn get<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        broken()
    }
    fn transition<'a>(
        &'a self,
        _: &'a str,
        _: Transition,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        broken()
    }
    fn list<'a>(&'a self, _: &'a ListFilter) -> BoxFuture<'a, Result<Vec<TaskRecord>, StoreError>> {
        broken()
    }
    fn delete<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        broken()
    }
    fn wait<'a>(
        &'a self,
        _: &'a str,
        _: Duration,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        broken()
    }
    fn watch(&self, _: &str) -> BoxFuture<'static, ()> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn a_failing_backend_answers_a_generic_503_and_logs_its_text() {
    let (logs, _guard) = logging();
    let tasks = Runner::builder().store(Broken).listing(true).build();
    let app = app_with(tasks.clone());
    let mut answers = vec![("submit", submit_quick(&generated(&tasks), "s").await)];
    for (what, method, uri) in [
        ("status", "GET", "/tasks/t/status"),
        ("result", "GET", "/tasks/t/result?wait=true&timeout=1"),
        ("list", "GET", "/tasks/"),
        ("delete", "DELETE", "/tasks/t"),
    ] {
        answers.push((what, ask(&app, method, uri, what).await));
    }
    for (asking, res) in &answers {
        let asking = if *asking == "submit" { "s" } else { asking };
        let doc = assert_problem(res, StatusCode::SERVICE_UNAVAILABLE, asking);
        assert_eq!(res.headers["retry-after"], "1");
        assert_eq!(
            doc["detail"],
            "the task store is unavailable; try again later"
        );
        assert!(!res.text().contains("hunter2"), "{}", res.text());
        let lines = logs.lines();
        let line = logged(&lines, asking, "task store failed");
        assert_eq!(line["level"], "ERROR");
        assert_eq!(
            line["fields"]["error"],
            format!("task store error: {SECRET}")
        );
    }
}

#[tokio::test]
async fn waiters_over_the_bound_are_refused_at_once() {
    let (logs, _guard) = logging();
    let tasks = Runner::builder().max_waiters(1).build();
    let app = app_with(tasks.clone());
    let id = submit_kind(&app, "gated", "sub").await;
    until_status(&app, &id, "running").await;
    let uri = format!("/tasks/{id}/result?wait=true&timeout=30");
    let first = {
        let router = app.router.clone();
        let uri = uri.clone();
        tokio::spawn(async move { send(&router, with_id("GET", &uri, "w-1")).await })
    };
    for _ in 0..500 {
        if tasks.waiting() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(tasks.waiting(), 1, "the first waiter never started waiting");

    let res = ask(&app, "GET", &uri, "w-2").await;
    let doc = assert_problem(&res, StatusCode::SERVICE_UNAVAILABLE, "w-2");
    assert_eq!(res.headers["retry-after"], "1");
    assert!(doc["detail"]
        .as_str()
        .unwrap()
        .starts_with("too many requests are waiting"));
    // Asking without waiting is never refused.
    let res = ask(&app, "GET", &format!("/tasks/{id}/result"), "w-3").await;
    assert_eq!(res.status, StatusCode::ACCEPTED);
    // A flood of refusals writes a line a second, not a line each.
    for n in 0..200 {
        let res = ask(&app, "GET", &uri, &format!("flood-{n}")).await;
        assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
    }
    let refusals = logs
        .lines()
        .into_iter()
        .filter(|l| l["fields"]["message"] == "task wait refused: too many requests are waiting")
        .count();
    assert!(
        (1..=3).contains(&refusals),
        "{refusals} lines for 201 refusals"
    );

    app.gate.0.add_permits(1);
    let res = first.await.unwrap();
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(tasks.waiting(), 0);
    // The slot is free again.
    let res = ask(&app, "GET", &uri, "w-4").await;
    assert_eq!(res.status, StatusCode::OK);
}
