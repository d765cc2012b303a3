//! Graceful shutdown, each app with its own `Shutdown`: `drain` waits for
//! the background work in flight (job lists and task submissions);
//! `begin` ends the long-polls, and a `drain` that times out records the
//! tasks still running as cancelled, with the reason, and logs their IDs:
//! in memory and, with the feature `redis` and `redis-server` on PATH, in
//! Redis as another instance sees it. Every count is one app's, so these
//! tests share a binary with any other.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Router};
use common::capture::{json_logs, Capture};
use common::task_app::{app_with, ask, assert_problem, submit_kind, until_status, with_id, App};
use common::wait::PATIENCE;
use common::{get_with, send};
use qh::background::Shutdown;
use qh::tasks::{CallerTasks, Runner, TaskStatus};
use qh::BackgroundTasks;
use tokio::sync::Semaphore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_waits_for_background_work_within_its_timeout() {
    // Logs of this binary need a subscriber in every test (see `json_logs`).
    let _logs = json_logs(&Capture::default());
    // Both pieces of work wait for a permit: neither can finish until the
    // test lets it, so `drain` cannot succeed early.
    let gate = Arc::new(Semaphore::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let (job_gate, flag) = (gate.clone(), done.clone());
    let tasks = Runner::default();
    let task_gate = gate.clone();
    let shutdown = Shutdown::new();
    let app = Router::new()
        .route(
            "/",
            get(move |jobs: BackgroundTasks| {
                let (gate, flag) = (job_gate.clone(), flag.clone());
                async move {
                    jobs.add(async move {
                        let _permit = gate.acquire().await.unwrap();
                        flag.store(true, Ordering::SeqCst);
                    });
                }
            }),
        )
        .route(
            "/task",
            get(move |tasks: CallerTasks| {
                let gate = task_gate.clone();
                async move {
                    let submitted = tasks
                        .submit("drained", async move {
                            let _permit = gate.acquire().await.map_err(|e| e.to_string())?;
                            Ok::<_, String>(())
                        })
                        .await
                        .unwrap();
                    submitted.task_id
                }
            }),
        )
        .layer(Extension(tasks.clone()))
        .layer(qh::Tracking::new().shutdown(&shutdown));
    assert_eq!(shutdown.in_flight(), 0);
    let res = send(&app, get_with("/", &[])).await;
    assert_eq!(res.status, 200);
    // A task counts too, from the moment it is submitted.
    let res = send(&app, get_with("/task", &[])).await;
    assert_eq!(res.status, 200);
    let task_id = res.text().to_owned();
    assert_eq!(shutdown.in_flight(), 2);
    assert!(!shutdown.drain(Duration::from_millis(20)).await);
    assert!(!done.load(Ordering::SeqCst));

    gate.add_permits(2);
    assert!(shutdown.drain(PATIENCE).await);
    assert_eq!(shutdown.in_flight(), 0);
    assert!(done.load(Ordering::SeqCst));
    // The drain that timed out gave up on the running task: it is recorded
    // cancelled (the background job, not a task, ran to its end).
    let record = tasks.store().get(&task_id).await.unwrap().unwrap();
    assert_eq!(record.status, qh::tasks::TaskStatus::Cancelled);
}

const REASON: &str = "the server shut down before the task finished (graceful shutdown timed out)";

fn abandoned_logged(logs: &Capture, task_id: &str) {
    let lines = logs.lines();
    let line = lines
        .iter()
        .find(|l| {
            l["fields"]["task_id"] == task_id
                && l["fields"]["message"] == "task abandoned at shutdown: recorded as cancelled"
        })
        .unwrap_or_else(|| panic!("{task_id} is not logged as abandoned: {lines:?}"));
    assert_eq!(line["level"], "WARN");
}

async fn assert_abandoned(app: &App, task_id: &str) {
    let record = app.tasks.store().get(task_id).await.unwrap().unwrap();
    assert_eq!(record.status, TaskStatus::Cancelled);
    assert_eq!(record.error.as_deref(), Some(REASON));
    let res = ask(app, "GET", &format!("/tasks/{task_id}/result"), "after").await;
    let doc = assert_problem(&res, StatusCode::CONFLICT, "after");
    assert_eq!(doc["task_status"], "cancelled");
    // The record says why, as it is: qh's own reason, not a hidden error.
    let res = ask(app, "GET", &format!("/tasks/{task_id}"), "why").await;
    assert_eq!(res.json()["error"], REASON);
}

#[tokio::test]
async fn shutdown_ends_waits_and_records_the_tasks_it_gives_up_on() {
    let capture = Capture::default();
    let _logs = json_logs(&capture);

    let memory = app_with(Runner::default());
    let in_memory = submit_kind(&memory, "gated", "mem").await;
    until_status(&memory, &in_memory, "running").await;

    #[cfg(feature = "redis")]
    let redis = redis_instances().await;
    #[cfg(feature = "redis")]
    let in_redis = match &redis {
        Some((_, a, b)) => {
            let id = submit_kind(a, "gated", "red").await;
            until_status(b, &id, "running").await;
            Some(id)
        }
        None => None,
    };

    // A long-poll in flight ends when the shutdown begins.
    let waiter = {
        let router = memory.router.clone();
        let uri = format!("/tasks/{in_memory}/result?wait=true&timeout=300");
        tokio::spawn(async move { common::send(&router, with_id("GET", &uri, "w")).await })
    };
    for _ in 0..500 {
        if memory.tasks.waiting() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(memory.tasks.waiting(), 1);
    memory.shutdown.begin();
    let res = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("the wait did not end at shutdown")
        .unwrap();
    let doc = assert_problem(&res, StatusCode::SERVICE_UNAVAILABLE, "w");
    assert_eq!(doc["detail"], "the server is shutting down; ask again");
    assert_eq!(res.headers["retry-after"], "1");
    // New waits are not started.
    let uri = format!("/tasks/{in_memory}/result?wait=true");
    let res = ask(&memory, "GET", &uri, "late").await;
    assert_problem(&res, StatusCode::SERVICE_UNAVAILABLE, "late");

    assert!(!memory.shutdown.drain(Duration::from_millis(200)).await);
    #[cfg(feature = "redis")]
    if let Some((_, a, _)) = &redis {
        assert!(!a.shutdown.drain(Duration::from_millis(200)).await);
    }
    assert_abandoned(&memory, &in_memory).await;
    abandoned_logged(&capture, &in_memory);
    assert_eq!(memory.tasks.running_here(), 0);

    #[cfg(feature = "redis")]
    if let (Some((_server, a, b)), Some(id)) = (&redis, &in_redis) {
        // B sees it at once, not `running` until the lease runs out.
        assert_abandoned(b, id).await;
        abandoned_logged(&capture, id);
        assert_eq!(a.tasks.running_here(), 0);
    }
}

#[cfg(feature = "redis")]
async fn redis_instances() -> Option<(common::redis_server::RedisServer, App, App)> {
    common::redis_server::available()?;
    let server = common::redis_server::RedisServer::start().await;
    let options =
        qh::tasks::RedisOptions::default().prefix(format!("qh-shutdown:{}", uuid::Uuid::new_v4()));
    let store = |options| {
        let url = server.url();
        async move {
            qh::tasks::RedisTaskStore::connect_with(&url, options)
                .await
                .unwrap()
        }
    };
    let a = app_with(Runner::new(store(options.clone()).await));
    let b = app_with(Runner::new(store(options).await));
    Some((server, a, b))
}
