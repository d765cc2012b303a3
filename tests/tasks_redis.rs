//! `RedisTaskStore` against a real `redis-server`: two app instances share
//! one Redis (submit on one, read, wait and cancel from the other), leases
//! fail the tasks of a dead instance, and status changes cost one round
//! trip. Needs `QH_REDIS_URL` (e.g. `redis://127.0.0.1:6390/`); without it
//! every test says so loudly and passes without checking anything, unless
//! `QH_REDIS_REQUIRED=1` (CI), which turns the skip into a failure.
//!
//! Each test proves its mechanism: a waiter whose poll interval is longer
//! than any wait here can only be woken by a published event, and a lease
//! long enough to survive a stalled machine is shown renewed by counting
//! its renewals, not by sleeping past it.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::http::StatusCode;
use common::redis::redis_url;
use common::task_app::{
    app_with, ask, assert_problem, finished, submit_kind, until_dropped, until_status, App,
};
use common::wait::{until, until_true, within, PATIENCE};
use qh::tasks::{
    RedisOptions, RedisTaskStore, Runner, TaskRecord, TaskStatus, TaskStore, Transition,
};
use serde_json::json;

/// Options with a prefix of their own, so tests never see each other's keys.
fn options() -> RedisOptions {
    RedisOptions::default().prefix(format!("qh-test:{}", uuid::Uuid::new_v4()))
}

/// Longer than any wait in these tests: a waiter (or a lease watch) on
/// this interval wakes up only on a published event.
const NEVER: Duration = Duration::from_secs(3600);

async fn instance(url: &str, options: RedisOptions) -> (App, RedisTaskStore) {
    let store = RedisTaskStore::connect_with(url, options).await.unwrap();
    (
        app_with(Runner::builder().store(store.clone()).listing(true).build()),
        store,
    )
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

    a.gate.0.add_permits(1);
    let res = ask(
        &b,
        "GET",
        &format!("/tasks/{id}/result?wait=true&timeout=300"),
        "b-w",
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        res.json(),
        json!({"task_id": id, "status": "completed", "result": {"answer": 42}})
    );

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
async fn a_wait_on_one_instance_is_woken_by_the_other_s_event() {
    let Some(url) = redis_url() else { return };
    let options = options();
    let (a, _) = instance(&url, options.clone()).await;
    // B never re-reads on its own: only A's published event can end its wait.
    let (b, b_store) = instance(&url, options.poll_interval(NEVER)).await;
    // An attempt proves nothing when B's first read saw the task finished
    // (B never waited). A round trip is counted once its answer is back,
    // and the gate holds the task until then, so the first read sees it
    // running; the attempts stay as a guard, not a cure.
    let woken = {
        let mut woken = false;
        for attempt in 0..5 {
            let id = submit_kind(&a, "gated", &format!("wake-{attempt}")).await;
            until_status(&b, &id, "running").await;
            if woken_by_the_event(&a, &b, &b_store, &id).await {
                woken = true;
                break;
            }
        }
        woken
    };
    assert!(
        woken,
        "in five attempts, B's wait never waited for the event"
    );
}

/// B waits (`?wait=true`, 300 s) on the running gated task `id`; A's task
/// is let finish; B's answer must come within [`PATIENCE`], which with B's
/// poll interval of an hour only A's published event can bring about.
/// `false` when B's first read already saw the finished task (no read
/// followed the gate), so the event was not needed; B's first read is
/// waited for by its count, which comes with its answer.
async fn woken_by_the_event(a: &App, b: &App, b_store: &RedisTaskStore, id: &str) -> bool {
    let before = b_store.round_trips();
    let waiting = {
        let router = b.router.clone();
        let uri = format!("/tasks/{id}/result?wait=true&timeout=300");
        tokio::spawn(async move { common::send(&router, common::get_with(&uri, &[])).await })
    };
    until_true("B's wait to read the record", || {
        b_store.round_trips() > before
    })
    .await;
    let at_gate = b_store.round_trips();
    a.gate.0.add_permits(1);
    let res = within("B's wait to be woken (is pub/sub broken?)", waiting)
        .await
        .unwrap();
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        res.json(),
        json!({"task_id": id, "status": "completed", "result": {"answer": 42}})
    );
    b_store.round_trips() > at_gate
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_and_panics_are_visible_from_the_other_instance() {
    let Some(url) = redis_url() else { return };
    let options = options();
    let (a, _) = instance(&url, options.clone()).await;
    let store = RedisTaskStore::connect_with(&url, options).await.unwrap();
    let (b, _) = (
        app_with(Runner::builder().store(store).expose_errors(true).build()),
        (),
    );
    let failed = submit_kind(&a, "fail", "fail-1").await;
    let res = ask(
        &b,
        "GET",
        &format!("/tasks/{failed}/result?wait=1&timeout=30"),
        "b-f",
    )
    .await;
    let doc = assert_problem(&res, StatusCode::INTERNAL_SERVER_ERROR, "b-f");
    assert_eq!(doc["task_status"], "failed");
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
async fn cancelling_on_one_instance_stops_the_work_on_the_other() {
    let Some(url) = redis_url() else { return };
    // A's lease watch renews every 20 minutes: within this test only the
    // published cancel event can stop A's work.
    let options = options().lease(NEVER);
    let (a, _) = instance(&url, options.clone()).await;
    let (b, _) = instance(&url, options).await;

    let id = submit_kind(&a, "count", "cancel-1").await;
    until_status(&b, &id, "running").await;
    let record = b.tasks.cancel(&id).await.unwrap().unwrap();
    assert_eq!(record.status, TaskStatus::Cancelled);
    until_dropped(&a).await;
    until_true("A to forget the stopped task", || {
        a.tasks.running_here() == 0
    })
    .await;
    let res = ask(&a, "GET", &format!("/tasks/{id}/result"), "a-c").await;
    assert_eq!(
        assert_problem(&res, StatusCode::CONFLICT, "a-c")["task_status"],
        "cancelled"
    );

    // DELETE on B of a task running on A: stopped there too.
    let before = a.steps.count.load(Ordering::SeqCst);
    a.steps.dropped.store(false, Ordering::SeqCst);
    let id = submit_kind(&a, "count", "cancel-2").await;
    until_status(&b, &id, "running").await;
    let res = ask(&b, "DELETE", &format!("/tasks/{id}"), "b-d").await;
    assert_eq!(res.json()["status"], "deleted");
    until_dropped(&a).await;
    assert!(a.steps.count.load(Ordering::SeqCst) > before);
}

#[test]
fn a_dead_instance_s_task_fails_once_its_lease_expires() {
    let Some(url) = redis_url() else { return };
    // Renewed every 2/3 s; a lease runs out only after 1.3 s without one,
    // far longer than a loaded machine stalls a thread.
    let lease = Duration::from_secs(2);
    let options = options().lease(lease);
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
            let tasks = Runner::new(store.clone());
            let s = tasks
                .submit("forever", async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok::<_, String>(())
                })
                .await
                .unwrap();
            to_main.send((s.task_id, tasks, store)).unwrap();
        });
        let _ = dying.recv_timeout(PATIENCE * 2);
        rt.shutdown_timeout(Duration::from_secs(1));
    });
    let (task_id, tasks_a, store_a) = from_a.recv_timeout(PATIENCE).unwrap();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let b = RedisTaskStore::connect_with(&url, options).await.unwrap();
        until("A to start the task", || async {
            b.get(&task_id).await.unwrap().unwrap().status == TaskStatus::Running
        })
        .await;
        // Alive: A renews the lease, so the task outlives two leases. A
        // renewal is A's only round trip now; one may come early (woken by
        // the task's own start event), so eight span at least six intervals
        // of a third of the lease.
        let renewed_from = store_a.round_trips();
        until_true("A to renew the lease eight times", || {
            store_a.round_trips() >= renewed_from + 8
        })
        .await;
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
    // Long enough that the record is surely still there when read back
    // right after it finished, on a stalled machine too.
    let store = RedisTaskStore::connect_with(&url, options().ttl(Duration::from_secs(2)))
        .await
        .unwrap();
    store
        .create(TaskRecord::pending("ttl-1", None, "f"))
        .await
        .unwrap();
    store.transition("ttl-1", Transition::Cancel).await.unwrap();
    assert!(store.get("ttl-1").await.unwrap().is_some());
    until("the finished record to expire", || async {
        store.get("ttl-1").await.unwrap().is_none()
    })
    .await;
    let all = store.list(&qh::tasks::ListFilter::new(10)).await.unwrap();
    assert!(all.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_task_costs_a_handful_of_round_trips() {
    let Some(url) = redis_url() else { return };
    let store = RedisTaskStore::connect_with(&url, options()).await.unwrap();
    let waiter = RedisTaskStore::connect_with(&url, store_options_of(&store))
        .await
        .unwrap();
    let tasks = Runner::new(store.clone());
    let before = store.round_trips();
    let s = tasks
        .submit("quick", async { Ok::<_, String>("done") })
        .await
        .unwrap();
    let record = finished(&waiter, &s.task_id).await;
    assert_eq!(record.status, TaskStatus::Completed);
    // The runner forgets the task after recording its outcome, and its
    // lease watch ended with the work: nothing of it can spend more.
    until_true("the runner to forget the task", || {
        tasks.running_here() == 0
    })
    .await;
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
