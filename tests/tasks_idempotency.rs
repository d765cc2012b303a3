//! `Idempotency-Key` on task submissions (IETF httpapi's draft): the same
//! key from the same caller, while the first task's record is kept,
//! answers the first submission's `202` with the same task ID and runs
//! nothing; the same key with another body answers `422`; another caller's
//! key is another key; an invalid key answers `400`. In memory and, with
//! the feature `redis` and `redis-server` on PATH, in Redis, where the
//! first submission may have gone to another instance.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::{Extension, Router};
use common::{assert_problem, send, Answer};
use qh::tasks::Runner;
use serde_json::{json, Value};

#[derive(Clone, Default)]
struct Runs(Arc<AtomicU32>);

#[qh::endpoint(task)]
async fn charge(#[extract] Extension(runs): Extension<Runs>, cents: u64) -> u64 {
    runs.0.fetch_add(1, Ordering::SeqCst);
    cents
}

struct App {
    router: Router,
    runs: Runs,
}

/// Callers are named by `x-user` (an owner hook).
fn app(runner: &Runner) -> App {
    let runs = Runs::default();
    let router = qh::routes![charge]
        .layer(Extension(runs.clone()))
        .layer(Extension(runner.clone()))
        .layer(qh::Tracking::new());
    App { router, runs }
}

fn builder() -> qh::tasks::RunnerBuilder {
    Runner::builder().owner(|parts| {
        parts
            .headers
            .get("x-user")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
}

async fn post(app: &App, user: &str, key: Option<&str>, cents: u64, id: &str) -> Answer {
    let mut req = Request::post("/charge")
        .header("content-type", "application/json")
        .header("x-user", user)
        .header("x-request-id", id);
    if let Some(key) = key {
        req = req.header("idempotency-key", key);
    }
    let req = req
        .body(Body::from(json!({"cents": cents}).to_string()))
        .unwrap();
    send(&app.router, req).await
}

fn accepted(res: &Answer) -> Value {
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    res.json()
}

async fn the_same_key_answers_the_first_task(first: &App, second: &App) {
    let one = accepted(&post(first, "alice", Some("\"order-17\""), 500, "req-1").await);
    // The draft's form is a quoted string; a bare token is the same key.
    let res = post(second, "alice", Some("order-17"), 500, "req-2").await;
    assert_eq!(res.echoed(), "req-2");
    let two = accepted(&res);
    assert_eq!(two["task_id"], one["task_id"]);
    // The first submission's answer, its request ID included.
    assert_eq!(two, one);
    assert_eq!(
        res.headers["location"],
        format!("/tasks/{}", one["task_id"].as_str().unwrap())
    );

    let id = one["task_id"].as_str().unwrap();
    common::wait::until("the task to complete", || async {
        let req = Request::get(format!("/tasks/{id}/status"))
            .header("x-user", "alice")
            .body(Body::empty())
            .unwrap();
        send(&first.router, req).await.json()["status"] == "completed"
    })
    .await;
    // Still the same task once it finished.
    let three = accepted(&post(first, "alice", Some("order-17"), 500, "req-3").await);
    assert_eq!(three["task_id"], one["task_id"]);
    // Run once, by the instance that took the first submission.
    let runs = |app: &App| app.runs.0.load(Ordering::SeqCst);
    let total = if Arc::ptr_eq(&first.runs.0, &second.runs.0) {
        runs(first)
    } else {
        runs(first) + runs(second)
    };
    assert_eq!(total, 1);
}

async fn the_same_key_with_another_body_is_refused(app: &App) {
    accepted(&post(app, "alice", Some("order-18"), 500, "req-4").await);
    let res = post(app, "alice", Some("order-18"), 900, "req-5").await;
    let doc = assert_problem(&res, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(doc["type"], "urn:qh:problem:idempotency-key-reused");
    assert_eq!(doc["request_id"], "req-5");
}

async fn another_owner_s_key_is_another_key(app: &App) {
    let alice = accepted(&post(app, "alice", Some("order-19"), 500, "req-6").await);
    let bob = accepted(&post(app, "bob", Some("order-19"), 500, "req-7").await);
    assert_ne!(bob["task_id"], alice["task_id"]);
    // And bob never learns alice's task from it: his own.
    let req = Request::get(format!("/tasks/{}", bob["task_id"].as_str().unwrap()))
        .header("x-user", "bob")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app.router, req).await.status, StatusCode::OK);
}

async fn an_invalid_key_is_refused(app: &App) {
    let long = "k".repeat(256);
    for (n, bad) in [
        "",
        "\"unterminated",
        "two words",
        long.as_str(),
        r#""bad\escape""#,
    ]
    .into_iter()
    .enumerate()
    {
        let asking = format!("bad-{n}");
        let res = post(app, "alice", Some(bad), 1, &asking).await;
        let doc = assert_problem(&res, StatusCode::BAD_REQUEST);
        assert_eq!(
            doc["type"], "urn:qh:problem:idempotency-key-invalid",
            "{bad:?}"
        );
        assert_eq!(doc["header"], "idempotency-key");
    }
    // Two keys on one request are no key.
    let req = Request::post("/charge")
        .header("content-type", "application/json")
        .header("x-user", "alice")
        .header("idempotency-key", "a")
        .header("idempotency-key", "b")
        .body(Body::from(r#"{"cents":1}"#))
        .unwrap();
    assert_problem(&send(&app.router, req).await, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn idempotency_keys_in_memory() {
    let runner = builder().build();
    let app = app(&runner);
    the_same_key_answers_the_first_task(&app, &app).await;
    the_same_key_with_another_body_is_refused(&app).await;
    another_owner_s_key_is_another_key(&app).await;
    an_invalid_key_is_refused(&app).await;
    // Without a key, every submission is a task of its own.
    let a = accepted(&post(&app, "alice", None, 1, "free-1").await);
    let b = accepted(&post(&app, "alice", None, 1, "free-2").await);
    assert_ne!(a["task_id"], b["task_id"]);
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn idempotency_keys_across_instances_in_redis() {
    let Some(()) = common::redis_server::available() else {
        return;
    };
    let server = common::redis_server::RedisServer::start().await;
    let options =
        qh::tasks::RedisOptions::default().prefix(format!("qh-idem:{}", uuid::Uuid::new_v4()));
    let store = || async {
        qh::tasks::RedisTaskStore::connect_with(&server.url(), options.clone())
            .await
            .unwrap()
    };
    let a = app(&builder().store(store().await).build());
    let b = app(&builder().store(store().await).build());
    the_same_key_answers_the_first_task(&a, &b).await;
    the_same_key_with_another_body_is_refused(&b).await;
    another_owner_s_key_is_another_key(&a).await;
    // A deleted task frees its key.
    let first = accepted(&post(&a, "alice", Some("order-20"), 5, "d-1").await);
    let id = first["task_id"].as_str().unwrap();
    let req = Request::delete(format!("/tasks/{id}"))
        .header("x-user", "alice")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&a.router, req).await.status, StatusCode::OK);
    let again = accepted(&post(&b, "alice", Some("order-20"), 5, "d-2").await);
    assert_ne!(again["task_id"], first["task_id"]);
}

#[qh::endpoint(task = "optional", method = "GET", path = "/square/{n}")]
fn square(n: u64) -> u64 {
    n * n
}

/// A `task = "optional"` endpoint refuses an invalid key whether or not
/// the call is submitted, so the header means the same on both paths (as
/// the OpenAPI document's pattern says); a valid one changes nothing for
/// a call run in the request.
#[tokio::test]
async fn an_optional_task_endpoint_refuses_an_invalid_key_either_way() {
    let router = qh::routes![square].layer(qh::Tracking::new());
    for uri in ["/square/3", "/square/3?async=true"] {
        let req = Request::get(uri)
            .header("idempotency-key", "two words")
            .body(Body::empty())
            .unwrap();
        let doc = assert_problem(&send(&router, req).await, StatusCode::BAD_REQUEST);
        assert_eq!(
            doc["type"], "urn:qh:problem:idempotency-key-invalid",
            "{uri}"
        );
    }
    let req = Request::get("/square/3")
        .header("idempotency-key", "k-1")
        .body(Body::empty())
        .unwrap();
    let res = send(&router, req).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json(), json!(9));
}
