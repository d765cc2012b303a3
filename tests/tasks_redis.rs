//! `RedisTaskStore` against a real `redis-server`: two app instances share
//! one Redis (submit on one, read, wait and cancel from the other), leases
//! fail the tasks of a dead instance, and status changes cost one round
//! trip. Needs `QH_REDIS_URL` (e.g. `redis://127.0.0.1:6390/`); without it
//! every test says so loudly and passes without checking anything.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::task_app::{app_with, ask, assert_problem, finished, submit_kind, until_status, App};
use qh::tasks::{
    RedisOptions, RedisTaskStore, TaskRecord, TaskStatus, TaskStore, Tasks, Transition,
};
use serde_json::json;

fn redis_url() -> Option<String> {
    let url = std::env::var("QH_REDIS_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        // Straight to the process's stderr: `eprintln!` would be captured
        // (and hidden) by the test harness for a passing test.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: QH_REDIS_URL is not set; start `redis-server --port 6390` and \
             set QH_REDIS_URL=redis://127.0.0.1:6390/ to run the Redis task store tests ***"
        );
    }
    url
}

/// Options with a prefix of their own, so tests never see each other's keys.
fn options() -> RedisOptions {
    RedisOptions::default().prefix(format!("qh-test:{}", uuid::Uuid::new_v4()))
}

async fn instance(url: &str, options: RedisOptions) -> (App, RedisTaskStore) {
    let store = RedisTaskStore::connect_with(url, options).await.unwrap();
    (app_with(Tasks::new(store.clone()).listing(true)), store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_submitted_on_one_instance_is_served_by_the_other() {
    let Some(url) = redis_url() else { return };
    let options = options();
    let (a, _) = instance(&url, options.clone()).await;
    let (b, _) = instance(&url, options).await;

    let id = submit_kind(&a, "gated", "multi-1").await;
    until_status(&b, &id, "running").await;
    let res = ask(&b, "GET", &format!("/tasks/{id}/result"), "b-1").await;
    assert_eq!(res.status, StatusCode::ACCEPTED);
    assert_eq!(res.json()["status"], "running");

    // B waits; A's task finishes; B's wait wakes on the published event.
    let waiting = {
        let router = b.router.clone();
        let uri = format!("/tasks/{id}/result?wait=true&timeout=10");
        tokio::spawn(async move {
            let started = Instant::now();
            let res = common::send(&router, common::get_with(&uri, &[])).await;
            (res.status, res.json(), started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    a.gate.0.add_permits(1);
    let (status, body, waited) = waiting.await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"task_id": id, "status": "completed", "result": {"answer": 42}})
    );
    assert!(waited < Duration::from_secs(5), "woken late: {waited:?}");

    let record = ask(&b, "GET", &format!("/tasks/{id}"), "b-2").await.json();
    assert_eq!(record["request_id"], "multi-1");
    assert_eq!(record["endpoint"], "gated");
    assert!(record["completed_at"].as_f64() >= record["started_at"].as_f64());
    let listed = ask(&b, "GET", "/tasks/?request_id=multi-1", "b-3")
        .await
        .json();
    assert_eq!(listed["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(listed["tasks"][0]["task_id"], id.as_str());

    let res = ask(&b, "DELETE", &format!("/tasks/{id}"), "b-4").await;
    assert_eq!(res.json(), json!({"task_id": id, "status": "deleted"}));
    let res = ask(&a, "GET", &format!("/tasks/{id}"), "a-1").await;
    assert_problem(&res, StatusCode::NOT_FOUND, "a-1");
    let listed = ask(&a, "GET", "/tasks/?request_id=multi-1", "a-2")
        .await
        .json();
    assert_eq!(listed["tasks"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_and_panics_are_visible_from_the_other_instance() {
    let Some(url) = redis_url() else { return };
    let options = options();
    let (a, _) = instance(&url, options.clone()).await;
    let store = RedisTaskStore::connect_with(&url, options).await.unwrap();
    let (b, _) = (app_with(Tasks::new(store).expose_errors(true)), ());
    let failed = submit_kind(&a, "fail", "fail-1").await;
    let res = ask(
        &b,
        "GET",
        &format!("/tasks/{failed}/result?wait=1&timeout=5"),
        "b-f",
    )
    .await;
    let doc = assert_problem(&res, StatusCode::INTERNAL_SERVER_ERROR, "b-f");
    assert_eq!(doc["status"], "failed");
    assert_eq!(doc["error"], "disk full");
    let panicked = submit_kind(&a, "panic", "panic-1").await;
    let record = finished(&**b.tasks.store(), &panicked).await;
    assert_eq!(record.status, TaskStatus::Failed);
    assert_eq!(
        record.error.as_deref(),
        Some("the task panicked: task exploded")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_on_one_instance_stops_the_work_on_the_other_within_a_second() {
    let Some(url) = redis_url() else { return };
    let options = options();
    let (a, _) = instance(&url, options.clone()).await;
    let (b, _) = instance(&url, options).await;

    let id = submit_kind(&a, "count", "cancel-1").await;
    until_status(&b, &id, "running").await;
    let record = b.tasks.cancel(&id).await.unwrap().unwrap();
    assert_eq!(record.status, TaskStatus::Cancelled);
    let asked = Instant::now();
    while !a.steps.dropped.load(Ordering::SeqCst) && asked.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let took = asked.elapsed();
    assert!(
        a.steps.dropped.load(Ordering::SeqCst),
        "instance A never stopped the work"
    );
    assert!(took < Duration::from_secs(1), "cancellation took {took:?}");
    let stopped_at = a.steps.count.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(a.steps.count.load(Ordering::SeqCst), stopped_at);
    assert_eq!(a.tasks.running_here(), 0);
    let res = ask(&a, "GET", &format!("/tasks/{id}/result"), "a-c").await;
    assert_eq!(
        assert_problem(&res, StatusCode::CONFLICT, "a-c")["status"],
        "cancelled"
    );
    eprintln!("cross-instance cancellation reached the running instance in {took:?}");

    // DELETE on B of a task running on A: stopped there too.
    let before = a.steps.count.load(Ordering::SeqCst);
    a.steps.dropped.store(false, Ordering::SeqCst);
    let id = submit_kind(&a, "count", "cancel-2").await;
    until_status(&b, &id, "running").await;
    let res = ask(&b, "DELETE", &format!("/tasks/{id}"), "b-d").await;
    assert_eq!(res.json()["status"], "deleted");
    let asked = Instant::now();
    while !a.steps.dropped.load(Ordering::SeqCst) && asked.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(asked.elapsed() < Duration::from_secs(1));
    assert!(a.steps.count.load(Ordering::SeqCst) > before);
}

#[test]
fn a_dead_instance_s_task_fails_once_its_lease_expires() {
    let Some(url) = redis_url() else { return };
    let options = options().lease(Duration::from_millis(300));
    // Instance A lives on a runtime of its own, shut down to play a crash:
    // its task and its lease renewals stop mid-flight.
    let (to_main, from_a) = std::sync::mpsc::channel();
    let (die, dying) = std::sync::mpsc::channel::<()>();
    let a_options = options.clone();
    let a_url = url.clone();
    let instance_a = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let store = RedisTaskStore::connect_with(&a_url, a_options)
                .await
                .unwrap();
            let tasks = Tasks::new(store);
            let s = tasks
                .submit("forever", async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok::<_, String>(())
                })
                .await
                .unwrap();
            to_main.send((s.task_id, tasks)).unwrap();
        });
        let _ = dying.recv_timeout(Duration::from_secs(30));
        rt.shutdown_timeout(Duration::from_secs(1));
    });
    let (task_id, tasks_a) = from_a.recv_timeout(Duration::from_secs(10)).unwrap();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let b = RedisTaskStore::connect_with(&url, options).await.unwrap();
        // Alive: A renews the lease, so the task outlives several leases.
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let record = b.get(&task_id).await.unwrap().unwrap();
        assert_eq!(record.status, TaskStatus::Running, "{record:?}");

        die.send(()).unwrap();
        instance_a.join().unwrap();
        drop(tasks_a);
        let record = finished(&b, &task_id).await;
        assert_eq!(record.status, TaskStatus::Failed);
        assert_eq!(
            record.error.as_deref(),
            Some("the instance running the task stopped renewing its lease")
        );
        assert!(record.completed_at.is_some());
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_status_change_is_one_round_trip_and_finished_records_do_not_change() {
    let Some(url) = redis_url() else { return };
    let store = RedisTaskStore::connect_with(&url, options()).await.unwrap();
    let record = TaskRecord::pending("rt-1", None, "measure");
    let before = store.round_trips();
    store.create(record).await.unwrap();
    assert_eq!(store.round_trips() - before, 1, "create");
    for (to, expected) in [
        (Transition::Start, TaskStatus::Running),
        (
            Transition::Complete(json!({"n": [1, 2.5, "x"]})),
            TaskStatus::Completed,
        ),
        // Finished records never change.
        (Transition::Fail("late".into()), TaskStatus::Completed),
        (Transition::Cancel, TaskStatus::Completed),
        (Transition::Start, TaskStatus::Completed),
    ] {
        let before = store.round_trips();
        let after = store.transition("rt-1", to).await.unwrap().unwrap();
        assert_eq!(store.round_trips() - before, 1);
        assert_eq!(after.status, expected);
    }
    let record = store.get("rt-1").await.unwrap().unwrap();
    assert_eq!(record.result, Some(json!({"n": [1, 2.5, "x"]})));
    assert!(record.error.is_none());
    assert!(store
        .transition("nope", Transition::Start)
        .await
        .unwrap()
        .is_none());
    assert!(store.delete("rt-1").await.unwrap());
    assert!(!store.delete("rt-1").await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_records_expire_in_redis() {
    let Some(url) = redis_url() else { return };
    let store = RedisTaskStore::connect_with(&url, options().ttl(Duration::from_millis(200)))
        .await
        .unwrap();
    store
        .create(TaskRecord::pending("ttl-1", None, "f"))
        .await
        .unwrap();
    store.transition("ttl-1", Transition::Cancel).await.unwrap();
    assert!(store.get("ttl-1").await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(store.get("ttl-1").await.unwrap().is_none());
    let all = store
        .list(&qh::tasks::ListFilter {
            request_id: None,
            owner: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert!(all.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_task_costs_a_handful_of_round_trips() {
    let Some(url) = redis_url() else { return };
    let store = RedisTaskStore::connect_with(&url, options()).await.unwrap();
    let waiter = RedisTaskStore::connect_with(&url, store_options_of(&store))
        .await
        .unwrap();
    let tasks = Tasks::new(store.clone());
    let before = store.round_trips();
    let s = tasks
        .submit("quick", async { Ok::<_, String>("done") })
        .await
        .unwrap();
    let record = finished(&waiter, &s.task_id).await;
    assert_eq!(record.status, TaskStatus::Completed);
    // Let a late event (the task's own start, echoed back) settle.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let spent = store.round_trips() - before;
    // create, start, complete; the first lease renewal when the watch gets
    // polled before the work finishes, and one more if the task's own start
    // event arrives while it still runs.
    assert!((3..=5).contains(&spent), "{spent} round trips");
    eprintln!("one whole task: {spent} round trips on the running instance");
}

fn store_options_of(store: &RedisTaskStore) -> RedisOptions {
    store.options().clone()
}
