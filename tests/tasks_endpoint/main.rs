//! `#[qh::endpoint(task)]` and `task = "optional"` through real routers
//! built by `qh::routes!`: the 202 submission, the function's value read
//! back from the `/tasks` routes, failures and cancellation here; the
//! request's context in the background (500 concurrent submissions, log
//! lines) in `context.rs`; the `/tasks` mount rules in `mounts.rs`.

#[path = "../common/mod.rs"]
mod common;
mod context;
mod mounts;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::{Extension, Router};
use common::wait::{until, until_true};
use common::{send, Answer};
use qh::tasks::Runner;
use serde_json::{json, Value};

#[qh::endpoint(task)]
async fn slow_add(a: i64, b: i64) -> i64 {
    tokio::time::sleep(Duration::from_millis(10)).await;
    tracing::info!(a, b, "adding in the background");
    a + b
}

/// Its result is the ID of the request it runs for.
#[qh::endpoint(task)]
async fn whoami() -> Option<String> {
    tokio::task::yield_now().await;
    qh::request_id().map(|id| id.to_string())
}

#[qh::endpoint(task)]
async fn fails(reason: String) -> Result<u32, String> {
    Err(format!("cannot do it: {reason}"))
}

/// A synchronous task function: runs on the blocking pool, with the context.
#[qh::endpoint(task)]
fn square(n: u64) -> Result<Value, String> {
    Ok(json!({"square": n * n, "seen_id": qh::request_id().map(|id| id.to_string())}))
}

#[qh::endpoint(task = "optional", method = "GET", path = "/inc/{n}")]
async fn inc(n: u64) -> Result<u64, String> {
    n.checked_add(1).ok_or_else(|| "overflow".to_owned())
}

static STEPS: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicBool = AtomicBool::new(false);

struct DropFlag;
impl Drop for DropFlag {
    fn drop(&mut self) {
        DROPPED.store(true, Ordering::SeqCst);
    }
}

/// Counts for 10 s unless stopped.
#[qh::endpoint(task)]
async fn count() -> &'static str {
    let _flag = DropFlag;
    for _ in 0..2000 {
        STEPS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    "counted"
}

#[qh::endpoint]
fn plain(a: i64) -> i64 {
    a
}

fn with_runner(router: Router, tasks: &Runner) -> Router {
    router
        .layer(Extension(tasks.clone()))
        .layer(qh::Tracking::new())
}

fn request(method: &str, uri: &str, id: &str, body: Option<&str>) -> Request<Body> {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("x-request-id", id);
    match body {
        Some(json) => req
            .header("content-type", "application/json")
            .body(Body::from(json.to_owned()))
            .unwrap(),
        None => req.body(Body::empty()).unwrap(),
    }
}

/// Submits and checks the 202 answer; returns the task ID.
async fn submit(app: &Router, method: &str, uri: &str, id: &str, body: Option<&str>) -> String {
    let res = send(app, request(method, uri, id, body)).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    let doc = res.json();
    let task_id = doc["task_id"].as_str().unwrap().to_owned();
    assert_eq!(
        doc,
        json!({"task_id": task_id, "status": "submitted", "request_id": id})
    );
    assert_eq!(
        res.headers["location"],
        format!("/tasks/{task_id}").as_str()
    );
    assert_eq!(res.echoed(), id);
    task_id
}

/// The result route, waiting (bounded: 5 s).
async fn wait_result(app: &Router, task_id: &str) -> Answer {
    let uri = format!("/tasks/{task_id}/result?wait=true&timeout=30");
    send(app, request("GET", &uri, "poller", None)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_poll_status_and_read_the_functions_value() {
    let tasks = Runner::default();
    let app = with_runner(qh::routes![slow_add], &tasks);
    let task_id = submit(
        &app,
        "POST",
        "/slow_add",
        "add-1",
        Some(r#"{"a":2,"b":40}"#),
    )
    .await;

    let last = Mutex::new(Value::Null);
    until("the task to complete", || async {
        let uri = format!("/tasks/{task_id}/status");
        let res = send(&app, request("GET", &uri, "status-1", None)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.echoed(), "status-1");
        let status = res.json();
        let done = status["status"] == "completed";
        *last.lock().unwrap() = status;
        done
    })
    .await;
    let last = last.into_inner().unwrap();
    assert_eq!(last["task_id"], task_id.as_str());
    assert!(last["completed_at"].as_f64().unwrap() >= last["started_at"].as_f64().unwrap());

    let res = send(
        &app,
        request("GET", &format!("/tasks/{task_id}/result"), "r", None),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        res.json(),
        json!({"task_id": task_id, "status": "completed", "result": 42})
    );

    let res = send(
        &app,
        request("GET", &format!("/tasks/{task_id}"), "r", None),
    )
    .await;
    let record = res.json();
    assert_eq!(record["endpoint"], "slow_add", "{record}");
    assert_eq!(record["request_id"], "add-1", "{record}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extraction_errors_answer_synchronously_and_submit_nothing() {
    let tasks = Runner::builder().listing(true).build();
    let app = with_runner(qh::routes![slow_add], &tasks);
    let res = send(
        &app,
        request("POST", "/slow_add", "bad-1", Some(r#"{"a":"two","b":1}"#)),
    )
    .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        res.text()
    );
    assert_eq!(res.content_type(), "application/problem+json");
    assert_eq!(res.json()["request_id"], "bad-1");
    assert_eq!(res.json()["field"], "a");

    let res = send(&app, request("GET", "/tasks/?request_id=bad-1", "l", None)).await;
    assert_eq!(res.json(), json!({"tasks": []}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_task_is_recorded_failed_with_its_message() {
    let tasks = Runner::builder().expose_errors(true).build();
    let app = with_runner(qh::routes![fails], &tasks);
    let task_id = submit(
        &app,
        "POST",
        "/fails",
        "fail-1",
        Some(r#"{"reason":"disk"}"#),
    )
    .await;
    let res = wait_result(&app, &task_id).await;
    assert_eq!(
        res.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        res.text()
    );
    assert_eq!(res.content_type(), "application/problem+json");
    let doc = res.json();
    assert_eq!(doc["status"], 500);
    assert_eq!(doc["task_status"], "failed");
    assert_eq!(doc["task_id"], task_id.as_str());
    assert_eq!(doc["error"], "cannot do it: disk");
    assert_eq!(doc["request_id"], "poller");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optional_runs_synchronously_unless_asked() {
    let tasks = Runner::builder().listing(true).build();
    let app = with_runner(qh::routes![inc], &tasks);

    let res = send(&app, request("GET", "/inc/41", "sync-1", None)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json(), json!(42));
    assert_eq!(res.echoed(), "sync-1");
    // A false switch is no switch.
    let res = send(&app, request("GET", "/inc/1?async=no", "sync-2", None)).await;
    assert_eq!((res.status, res.json()), (StatusCode::OK, json!(2)));

    let task_id = submit(&app, "GET", "/inc/9?async=1", "async-1", None).await;
    assert_eq!(wait_result(&app, &task_id).await.json()["result"], 10);

    let req = Request::get("/inc/99")
        .header("x-request-id", "async-2")
        .header("X-Async", "yes")
        .body(Body::empty())
        .unwrap();
    let res = send(&app, req).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    let task_id = res.json()["task_id"].as_str().unwrap().to_owned();
    assert_eq!(wait_result(&app, &task_id).await.json()["result"], 100);

    // Only the two asked for became tasks.
    let res = send(&app, request("GET", "/tasks/", "l", None)).await;
    assert_eq!(res.json()["tasks"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_stops_the_running_function() {
    let tasks = Runner::default();
    let app = with_runner(qh::routes![count], &tasks);
    let task_id = submit(&app, "POST", "/count", "count-1", None).await;
    until_true("the task to count three steps", || {
        STEPS.load(Ordering::SeqCst) >= 3
    })
    .await;

    let res = send(
        &app,
        request("DELETE", &format!("/tasks/{task_id}"), "del", None),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json(), json!({"task_id": task_id, "status": "deleted"}));
    // The served methods, never an empty `Allow`.
    assert_eq!(res.headers["allow"], "GET,HEAD,DELETE");
    // Dropped before its end: a dropped future cannot count any more.
    until_true("the function to be stopped", || {
        DROPPED.load(Ordering::SeqCst)
    })
    .await;
    assert!(STEPS.load(Ordering::SeqCst) < 2000);

    let res = send(
        &app,
        request("GET", &format!("/tasks/{task_id}"), "g", None),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}
