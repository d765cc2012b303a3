//! `#[qh::endpoint(task, retries = n)]`: a task whose function returns
//! `Err` or panics runs again after a pause (exponential, with jitter),
//! replaying its request (headers, extensions, body) in this process, until
//! it succeeds or its attempts are used up (`max_attempts` bounds them
//! all); then it fails with the last error. In memory and, with the feature
//! `redis` and `redis-server` on PATH, in Redis.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use axum::{Extension, Router};
use common::capture::Capture;
use common::task_app::with_id;
use common::{send, Answer};
use qh::tasks::{Runner, TaskStatus};
use serde_json::{json, Value};

/// Calls per key, shared with the endpoints through an extension: a replay
/// that lost the request's extensions would fail to extract it.
#[derive(Clone, Default)]
struct Calls(Arc<Mutex<HashMap<String, u32>>>);

impl Calls {
    fn next(&self, key: &str) -> u32 {
        let mut calls = self.0.lock().unwrap();
        let n = calls.entry(key.to_owned()).or_insert(0);
        *n += 1;
        *n
    }

    fn of(&self, key: &str) -> u32 {
        self.0.lock().unwrap().get(key).copied().unwrap_or(0)
    }
}

/// Fails twice, succeeds the third time; its header parameter is read
/// again on every attempt.
#[qh::endpoint(task, retries = 3)]
async fn flaky(
    #[extract] Extension(calls): Extension<Calls>,
    #[header("x-tenant")] tenant: String,
    key: String,
) -> Result<String, String> {
    let n = calls.next(&key);
    if n < 3 {
        return Err(format!("attempt {n} failed"));
    }
    Ok(format!("{tenant} done on attempt {n}"))
}

#[qh::endpoint(task, retries = 2)]
async fn broken(#[extract] Extension(calls): Extension<Calls>, key: String) -> Result<u32, String> {
    let n = calls.next(&key);
    Err(format!("still broken ({n})"))
}

/// Panics every time, and asks for more retries than the runner allows.
#[qh::endpoint(task, retries = 10)]
async fn poison(#[extract] Extension(calls): Extension<Calls>, key: String) -> u32 {
    let n = calls.next(&key);
    panic!("poisoned input {key} ({n})");
}

/// No retries: one failure fails it.
#[qh::endpoint(task)]
async fn once(#[extract] Extension(calls): Extension<Calls>, key: String) -> Result<u32, String> {
    let n = calls.next(&key);
    Err(format!("failed ({n})"))
}

struct App {
    router: Router,
    runner: Runner,
    calls: Calls,
}

fn app(runner: Runner) -> App {
    let calls = Calls::default();
    let router = qh::routes![flaky, broken, poison, once]
        .layer(Extension(calls.clone()))
        .layer(Extension(runner.clone()))
        .layer(qh::Tracking::new());
    App {
        router,
        runner,
        calls,
    }
}

/// 10 ms before the second attempt, doubling up to 40 ms; at most 3.
fn builder() -> qh::tasks::RunnerBuilder {
    Runner::builder()
        .backoff(Duration::from_millis(10), Duration::from_millis(40))
        .max_attempts(3)
        .expose_errors(true)
}

async fn submit(app: &App, path: &str, key: &str) -> String {
    let mut req = with_id("POST", path, &format!("submit-{key}"));
    *req.body_mut() = json!({"key": key}).to_string().into();
    req.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    req.headers_mut()
        .insert("x-tenant", "acme".parse().unwrap());
    let res: Answer = send(&app.router, req).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    res.json()["task_id"].as_str().unwrap().to_owned()
}

async fn record(app: &App, id: &str) -> Value {
    let record = common::task_app::finished(&**app.runner.store(), id).await;
    serde_json::to_value(&record).unwrap()
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

async fn retried_until_it_succeeds(app: &App, logs: &Capture) {
    let id = submit(app, "/flaky", "flaky").await;
    let done = record(app, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"], "acme done on attempt 3");
    assert_eq!(done["attempt"], 3);
    assert_eq!(done["error"], Value::Null);
    assert_eq!(app.calls.of("flaky"), 3);
    // Two pauses, each between half and all of 10 ms, then 20 ms.
    let pauses: Vec<(Value, u64)> = logs
        .lines()
        .into_iter()
        .filter(|l| {
            l["fields"]["message"] == "task attempt failed: it runs again after a pause"
                && l["span"]["task_id"] == id.as_str()
        })
        .map(|l| {
            (
                l["fields"]["error"].clone(),
                l["fields"]["pause_ms"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(pauses.len(), 2, "{pauses:?}");
    assert_eq!(pauses[0].0, "attempt 1 failed");
    assert!((5..=10).contains(&pauses[0].1), "{pauses:?}");
    assert_eq!(pauses[1].0, "attempt 2 failed");
    assert!((10..=20).contains(&pauses[1].1), "{pauses:?}");
}

async fn failing_always_fails_with_the_last_error(app: &App) {
    let id = submit(app, "/broken", "broken").await;
    let done = record(app, &id).await;
    assert_eq!(done["status"], "failed", "{done}");
    // retries = 2: three attempts, the last error kept.
    assert_eq!(done["attempt"], 3);
    assert_eq!(done["error"], "still broken (3)");
    assert_eq!(app.calls.of("broken"), 3);
    let res = send(
        &app.router,
        with_id("GET", &format!("/tasks/{id}/result"), "r"),
    )
    .await;
    let doc = common::assert_problem(&res, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(doc["task_status"], "failed");
    assert_eq!(doc["error"], "still broken (3)");
}

async fn a_poison_task_ends_failed_after_max_attempts(app: &App) {
    let id = submit(app, "/poison", "poison").await;
    let done = record(app, &id).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["attempt"], 3, "max_attempts bounds retries = 10");
    assert_eq!(
        done["error"],
        "the task panicked: poisoned input poison (3)"
    );
    // Finished for good: nothing of it runs here any more.
    common::wait::until_true("the poison task to leave the runner", || {
        app.runner.running_here() == 0
    })
    .await;
    assert_eq!(app.calls.of("poison"), 3);
}

async fn without_retries_one_failure_fails(app: &App) {
    let id = submit(app, "/once", "once").await;
    let done = record(app, &id).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["attempt"], 1);
    assert_eq!(done["error"], "failed (1)");
    assert_eq!(app.calls.of("once"), 1);
}

#[tokio::test]
async fn retries_in_memory() {
    let (logs, _guard) = logging();
    let app = app(builder().build());
    retried_until_it_succeeds(&app, &logs).await;
    failing_always_fails_with_the_last_error(&app).await;
    a_poison_task_ends_failed_after_max_attempts(&app).await;
    without_retries_one_failure_fails(&app).await;
    let record = app
        .runner
        .store()
        .list(&qh::tasks::ListFilter::new(10))
        .await
        .unwrap();
    assert!(record.iter().all(|r| r.status != TaskStatus::Running));
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn retries_in_redis() {
    let Some(()) = common::redis_server::available() else {
        return;
    };
    let (logs, _guard) = logging();
    let server = common::redis_server::RedisServer::start().await;
    let options = qh::tasks::RedisOptions::default()
        .prefix(format!("qh-retries:{}", uuid::Uuid::new_v4()))
        .lease(Duration::from_millis(600));
    let store = qh::tasks::RedisTaskStore::connect_with(&server.url(), options)
        .await
        .unwrap();
    let app = app(builder().store(store).build());
    retried_until_it_succeeds(&app, &logs).await;
    failing_always_fails_with_the_last_error(&app).await;
    a_poison_task_ends_failed_after_max_attempts(&app).await;
    without_retries_one_failure_fails(&app).await;
}
