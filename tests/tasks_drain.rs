//! `qh::background::drain` waits for the background work in flight: job
//! lists and task submissions. One test in a binary of its own, because the
//! count it reads is the whole process's: no other test's work can be in it.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use common::wait::PATIENCE;
use common::{get_with, send};
use qh::BackgroundTasks;
use tokio::sync::Semaphore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_waits_for_background_work_within_its_timeout() {
    // Both pieces of work wait for a permit: neither can finish until the
    // test lets it, so `drain` cannot succeed early.
    let gate = Arc::new(Semaphore::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let (job_gate, flag) = (gate.clone(), done.clone());
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
        .layer(qh::Tracking::new());
    assert_eq!(qh::background::in_flight(), 0);
    let res = send(&app, get_with("/", &[])).await;
    assert_eq!(res.status, 200);
    // A task counts too, from the moment it is submitted.
    let tasks = qh::tasks::Tasks::memory();
    let task_gate = gate.clone();
    let task = tasks
        .submit("drained", async move {
            let _permit = task_gate.acquire().await.map_err(|e| e.to_string())?;
            Ok::<_, String>(())
        })
        .await
        .unwrap();
    assert_eq!(qh::background::in_flight(), 2);
    assert!(!qh::background::drain(Duration::from_millis(20)).await);
    assert!(!done.load(Ordering::SeqCst));

    gate.add_permits(2);
    assert!(qh::background::drain(PATIENCE).await);
    assert_eq!(qh::background::in_flight(), 0);
    assert!(done.load(Ordering::SeqCst));
    // The drain that timed out gave up on the running task: it is recorded
    // cancelled (the background job, not a task, ran to its end).
    let record = tasks.store().get(&task.task_id).await.unwrap().unwrap();
    assert_eq!(record.status, qh::tasks::TaskStatus::Cancelled);
}
