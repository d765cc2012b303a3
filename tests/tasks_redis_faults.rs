//! `RedisTaskStore` when Redis fails: each test starts a `redis-server` of
//! its own on 127.0.0.1 and pauses (SIGSTOP), stops and restarts it, or
//! tampers with its data, then checks what the `/tasks` routes answer and
//! what ends up recorded. Skips (saying so) without `redis-server` on PATH,
//! fails instead when `QH_REDIS_REQUIRED=1`.

mod common;

use std::future::Future;
use std::time::Duration;

use axum::http::StatusCode;
use axum::{Extension, Router};
use common::capture::Capture;
use common::redis_server::{self, RedisServer, Reply};
use common::task_app::{app_with, ask, assert_problem, submit_kind, until_status, App};
use common::Answer;
use qh::tasks::{RedisOptions, RedisTaskStore, Runner};
use serde_json::{json, Value};

/// A key prefix of the test's own.
fn new_prefix() -> String {
    format!("qh-faults:{}", uuid::Uuid::new_v4())
}

/// Short bounds, so a fault costs a test well under a second per request.
fn options_with(prefix: &str) -> RedisOptions {
    RedisOptions::default()
        .prefix(prefix)
        .response_timeout(Duration::from_millis(300))
        .connect_timeout(Duration::from_millis(300))
}

#[qh::endpoint(task)]
async fn quick() -> u32 {
    7
}

/// Never ends on its own: a task endpoint's task, which can run again.
#[qh::endpoint(task)]
async fn stall() -> u32 {
    std::future::pending().await
}

struct Instance {
    app: App,
    /// `POST /quick`: submitted through the code `#[qh::endpoint(task)]`
    /// generates.
    generated: Router,
}

async fn instance(url: &str, options: RedisOptions) -> Instance {
    let store = RedisTaskStore::connect_with(url, options).await.unwrap();
    let tasks = Runner::builder().store(store).listing(true).build();
    let generated = qh::routes![quick, stall]
        .layer(Extension(tasks.clone()))
        .layer(qh::Tracking::new());
    Instance {
        app: app_with(tasks),
        generated,
    }
}

/// A request that must be answered within a generous bound (without
/// command timeouts they hung for as long as Redis was away).
async fn bounded<T>(what: &str, answer: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), answer)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within 5 s"))
}

async fn submit_quick(i: &Instance, id: &str) -> Answer {
    let req = common::task_app::with_id("POST", "/quick", id);
    common::send(&i.generated, req).await
}

/// The answer to a request while the store is down: 503 problem+json for
/// the asking request, `Retry-After`, and nothing of the backend's text.
fn assert_unavailable(res: &Answer, asking: &str) {
    let doc = assert_problem(res, StatusCode::SERVICE_UNAVAILABLE, asking);
    assert_eq!(res.headers["retry-after"], "1");
    assert_eq!(
        doc["detail"],
        "the task store is unavailable; try again later"
    );
}

/// The ERROR line logged for the request `asking` when the store failed.
fn store_failure_logged(logs: &Capture, asking: &str, action: &str) {
    let lines = logs.lines();
    let line = lines
        .iter()
        .find(|l| l["request_id"] == asking && l["fields"]["message"] == "task store failed")
        .unwrap_or_else(|| panic!("no store failure logged for {asking}: {lines:?}"));
    assert_eq!(line["level"], "ERROR");
    assert_eq!(line["fields"]["action"], action);
}

/// These tests pause, stop and restart redis-servers and then time what
/// follows (leases of 300 ms): they run one at a time, so that one test's
/// load cannot shift another's timing. `None` (the test skips) when there
/// is no `redis-server` to start.
async fn one_at_a_time() -> Option<tokio::sync::MutexGuard<'static, ()>> {
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    redis_server::available()?;
    Some(SERIAL.lock().await)
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

#[tokio::test]
async fn a_paused_redis_answers_503_within_the_response_timeout_then_recovers() {
    let Some(_serial) = one_at_a_time().await else {
        return;
    };
    let (logs, _guard) = logging();
    let server = RedisServer::start().await;
    let a = instance(&server.url(), options_with(&new_prefix())).await;
    let id = submit_kind(&a.app, "gated", "before").await;
    until_status(&a.app, &id, "running").await;

    server.pause();
    let uri = format!("/tasks/{id}/status");
    let res = bounded("status", ask(&a.app, "GET", &uri, "paused-1")).await;
    assert_unavailable(&res, "paused-1");
    store_failure_logged(&logs, "paused-1", "reading a task's status");
    let res = bounded("submit", submit_quick(&a, "paused-2")).await;
    assert_unavailable(&res, "paused-2");
    store_failure_logged(&logs, "paused-2", "submitting a task");
    let res = bounded("list", ask(&a.app, "GET", "/tasks/", "paused-3")).await;
    assert_unavailable(&res, "paused-3");

    server.resume();
    // The first request after Redis is back is answered.
    let res = bounded("status", ask(&a.app, "GET", &uri, "back")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["status"], "running");
    // The submission answered 503 reached Redis once it resumed, and was
    // refused there: no record of it, only the task submitted before.
    let res = ask(&a.app, "GET", "/tasks/", "after").await;
    let listed: Vec<Value> = res.json()["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].clone())
        .collect();
    assert_eq!(listed, [json!(id)], "{}", res.text());
    a.app.gate.0.add_permits(1);
    until_status(&a.app, &id, "completed").await;
}

#[tokio::test]
async fn a_restarted_redis_is_used_again_from_the_first_request() {
    let Some(_serial) = one_at_a_time().await else {
        return;
    };
    let mut server = RedisServer::start().await;
    let a = instance(&server.url(), options_with(&new_prefix())).await;
    let res = submit_quick(&a, "up").await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());

    server.stop();
    for (n, asking) in ["down-1", "down-2", "down-3"].into_iter().enumerate() {
        let res = if n == 1 {
            bounded("submit", submit_quick(&a, asking)).await
        } else {
            bounded("list", ask(&a.app, "GET", "/tasks/", asking)).await
        };
        assert_unavailable(&res, asking);
    }

    server.restart().await;
    // No failed first command: the lost connection is noticed and the
    // command sent again on a new one.
    let res = bounded("submit", submit_quick(&a, "again")).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    let task_id = res.json()["task_id"].as_str().unwrap().to_owned();
    until_status(&a.app, &task_id, "completed").await;
    let res = ask(&a.app, "GET", &format!("/tasks/{task_id}/result"), "r").await;
    assert_eq!(res.json()["result"], 7);
}

/// Makes the task's lease end now, as if its instance had been cut off
/// for a whole lease (its score in `{prefix}:live` is the lease's end),
/// then has `reader` read it: the reader finds the lease past its end.
async fn lapse(server: &RedisServer, prefix: &str, reader: &App, id: &str) -> Value {
    let live = format!("{prefix}:live");
    server.cmd(&["ZADD", &live, "XX", "0", id]).await;
    ask(reader, "GET", &format!("/tasks/{id}"), "reader")
        .await
        .json()
}

/// [`lapse`] until the record holds the mark, tried again (bounded) when
/// the holder's renewal slipped in between (its first one may come early,
/// woken by the task's own start event).
async fn lapse_once(server: &RedisServer, prefix: &str, reader: &App, id: &str) -> Value {
    for _ in 0..20 {
        let seen = lapse(server, prefix, reader, id).await;
        if lapsed(server, prefix, id).await {
            return seen;
        }
    }
    panic!("the lease of {id} was never seen past its end");
}

/// Whether the record holds the mark of a lease seen past its end.
async fn lapsed(server: &RedisServer, prefix: &str, id: &str) -> bool {
    let task = format!("{prefix}:task:{id}");
    server.cmd(&["HGET", &task, "lapsed"]).await == Reply::Bulk(Some(b"1".to_vec()))
}

#[tokio::test]
async fn a_lease_seen_past_its_end_gets_a_grace_and_the_holder_s_result_is_kept() {
    let Some(_serial) = one_at_a_time().await else {
        return;
    };
    let server = RedisServer::start().await;
    // A long lease: no renewal comes between the lapse and the end.
    let prefix = new_prefix();
    let options = options_with(&prefix).lease(Duration::from_secs(60));
    let a = instance(&server.url(), options.clone()).await;
    let b = instance(&server.url(), options).await;
    let id = submit_kind(&a.app, "gated", "fenced").await;
    until_status(&b.app, &id, "running").await;
    let seen = lapse_once(&server, &prefix, &b.app, &id).await;
    // Not a terminal answer: the holder may only have been cut off.
    assert_eq!(seen["status"], "running", "{seen}");

    a.app.gate.0.add_permits(1);
    until_status(&b.app, &id, "completed").await;
    let record = ask(&b.app, "GET", &format!("/tasks/{id}"), "after")
        .await
        .json();
    assert_eq!(record["result"], json!({"answer": 42}));
    assert_eq!(record["error"], Value::Null);
}

#[tokio::test]
async fn the_holder_s_renewal_within_the_grace_keeps_its_task() {
    let Some(_serial) = one_at_a_time().await else {
        return;
    };
    let server = RedisServer::start().await;
    let prefix = new_prefix();
    let options = options_with(&prefix).lease(Duration::from_millis(900));
    let a = instance(&server.url(), options.clone()).await;
    let b = instance(&server.url(), options).await;
    let id = submit_kind(&a.app, "gated", "renewed").await;
    until_status(&b.app, &id, "running").await;
    let seen = lapse_once(&server, &prefix, &b.app, &id).await;
    assert_eq!(seen["status"], "running", "{seen}");

    // A is alive: its next renewal (a third of a lease later) clears the
    // mark before the grace ends, and the work was never stopped.
    common::wait::until("A to renew its lease", || async {
        !lapsed(&server, &prefix, &id).await
    })
    .await;
    let res = ask(&b.app, "GET", &format!("/tasks/{id}"), "b").await;
    assert_eq!(res.json()["status"], "running");
    assert_eq!(res.json()["attempt"], 1);
    a.app.gate.0.add_permits(1);
    until_status(&b.app, &id, "completed").await;
}

#[tokio::test]
async fn a_task_lost_for_good_fails_and_that_answer_never_changes() {
    let Some(_serial) = one_at_a_time().await else {
        return;
    };
    let (logs, _guard) = logging();
    let server = RedisServer::start().await;
    let prefix = new_prefix();
    let options = options_with(&prefix).lease(Duration::from_secs(60));
    let a = instance(&server.url(), options.clone()).await;
    let b = instance(&server.url(), options).await;
    // Submitted as a future: it cannot run again.
    let id = submit_kind(&a.app, "gated", "lost").await;
    until_status(&b.app, &id, "running").await;
    // Seen past its end twice: its grace is over too.
    let seen = lapse_once(&server, &prefix, &b.app, &id).await;
    assert_eq!(seen["status"], "running", "{seen}");
    // (Bounded: a renewal slipping in between clears the mark again.)
    let mut failed = Value::Null;
    for _ in 0..20 {
        failed = lapse(&server, &prefix, &b.app, &id).await;
        if failed["status"] != "running" {
            break;
        }
    }
    assert_eq!(failed["status"], "failed", "{failed}");
    let lines = logs.lines();
    let line = lines
        .iter()
        .find(|l| l["fields"]["message"] == "task failed: its instance was lost")
        .unwrap_or_else(|| panic!("the loss is not logged: {lines:?}"));
    assert_eq!(line["level"], "WARN");
    assert_eq!(line["fields"]["task_id"], id.as_str());
    assert_eq!(
        line["fields"]["error"],
        "the instance running the task stopped renewing its lease"
    );

    // A was only cut off and finishes: its late result is discarded, and
    // the answer a client may already have read stays.
    a.app.gate.0.add_permits(1);
    common::wait::until_true("A to end the task", || a.app.tasks.running_here() == 0).await;
    let record = ask(&b.app, "GET", &format!("/tasks/{id}"), "after")
        .await
        .json();
    assert_eq!(record["status"], "failed", "{record}");
    assert_eq!(record["result"], Value::Null);
}

/// The probe's scenario: Redis paused for longer than the lease while A
/// runs a task; once Redis is back, B reads the task (it finds the lease
/// past its end, which gives A a grace to renew) and A finishes: the
/// result is kept, and no read in between said `failed`.
#[tokio::test]
async fn a_pause_longer_than_the_lease_loses_no_result() {
    let Some(_serial) = one_at_a_time().await else {
        return;
    };
    let (logs, _guard) = logging();
    let server = RedisServer::start().await;
    let options = options_with(&new_prefix()).lease(Duration::from_millis(300));
    let a = instance(&server.url(), options.clone()).await;
    let b = instance(&server.url(), options).await;
    let id = submit_kind(&a.app, "gated", "paused-lease").await;
    until_status(&b.app, &id, "running").await;

    server.pause();
    // The lease runs out on Redis's clock: once two of A's renewals have
    // timed out (300 ms each), the last lease set (300 ms) is gone.
    let failed_renewals = || {
        logs.lines()
            .iter()
            .filter(|l| {
                l["fields"]["message"] == "task lease not renewed" && l["fields"]["task_id"] == id
            })
            .count()
    };
    for _ in 0..1000 {
        if failed_renewals() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(failed_renewals() >= 2, "A's renewals never failed");
    server.resume();
    let res = bounded("read", ask(&b.app, "GET", &format!("/tasks/{id}"), "b")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // Not a terminal answer a client could act on: A may still finish.
    assert_eq!(res.json()["status"], "running", "{}", res.text());
    a.app.gate.0.add_permits(1);
    until_status(&b.app, &id, "completed").await;
    let record = ask(&b.app, "GET", &format!("/tasks/{id}"), "after")
        .await
        .json();
    assert_eq!(record["result"], json!({"answer": 42}));
}

#[tokio::test]
async fn a_task_lost_on_each_of_its_attempts_fails_with_the_count() {
    let Some(_serial) = one_at_a_time().await else {
        return;
    };
    let (logs, _guard) = logging();
    let server = RedisServer::start().await;
    let prefix = new_prefix();
    let options = options_with(&prefix).lease(Duration::from_secs(60));
    let a = instance(&server.url(), options.clone()).await;
    let b = instance(&server.url(), options).await;
    let res = common::send(
        &a.generated,
        common::task_app::with_id("POST", "/stall", "poison"),
    )
    .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    let id = res.json()["task_id"].as_str().unwrap().to_owned();
    until_status(&b.app, &id, "running").await;
    // As if its instance had been lost on its first two attempts too (a
    // task that kills whichever instance runs it).
    let task = format!("{prefix}:task:{id}");
    server.cmd(&["HSET", &task, "attempt", "3"]).await;
    lapse_once(&server, &prefix, &b.app, &id).await;
    let mut failed = Value::Null;
    for _ in 0..20 {
        failed = lapse(&server, &prefix, &b.app, &id).await;
        if failed["status"] != "running" {
            break;
        }
    }
    assert_eq!(failed["status"], "failed", "{failed}");
    let lines = logs.lines();
    let line = lines
        .iter()
        .find(|l| l["fields"]["message"] == "task failed: its instance was lost")
        .unwrap_or_else(|| panic!("the loss is not logged: {lines:?}"));
    assert_eq!(
        line["fields"]["error"],
        "the instance running the task stopped renewing its lease (attempt 3 of 3, none left)"
    );
    assert_eq!(line["fields"]["task_request_id"], "poison");
}

#[tokio::test]
async fn a_task_that_can_run_again_goes_back_to_pending_when_its_instance_is_lost() {
    let Some(_serial) = one_at_a_time().await else {
        return;
    };
    let server = RedisServer::start().await;
    let prefix = new_prefix();
    let options = options_with(&prefix).lease(Duration::from_secs(60));
    let a = instance(&server.url(), options.clone()).await;
    let b = instance(&server.url(), options).await;
    let res = common::send(
        &a.generated,
        common::task_app::with_id("POST", "/stall", "lost"),
    )
    .await;
    let id = res.json()["task_id"].as_str().unwrap().to_owned();
    until_status(&b.app, &id, "running").await;
    lapse_once(&server, &prefix, &b.app, &id).await;
    let mut seen = Value::Null;
    for _ in 0..20 {
        seen = lapse(&server, &prefix, &b.app, &id).await;
        if seen["status"] != "running" {
            break;
        }
    }
    // No instance here serves `stall` (none registered it): it waits,
    // pending, for one that does; not a terminal answer.
    assert_eq!(seen["status"], "pending", "{seen}");
    assert_eq!(seen["attempt"], 1);
    let holder = server
        .cmd(&["HGET", &format!("{prefix}:task:{id}"), "holder"])
        .await;
    assert_eq!(holder, Reply::Bulk(Some(Vec::new())));
}

#[tokio::test]
async fn a_task_whose_record_redis_lost_stops_saying_so() {
    let Some(_serial) = one_at_a_time().await else {
        return;
    };
    let (logs, _guard) = logging();
    let mut server = RedisServer::start().await;
    let options = options_with(&new_prefix()).lease(Duration::from_millis(600));
    let a = instance(&server.url(), options).await;
    let id = submit_kind(&a.app, "gated", "forgotten").await;
    until_status(&a.app, &id, "running").await;
    // Restarted without persistence: every record is gone.
    server.restart().await;
    common::wait::until_true("the task to stop", || a.app.tasks.running_here() == 0).await;
    let lines = logs.lines();
    let line = lines
        .iter()
        .find(|l| {
            l["span"]["task_id"] == id.as_str()
                && l["fields"]["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("task stopped"))
        })
        .unwrap_or_else(|| panic!("the stop is not logged: {lines:?}"));
    assert_eq!(line["level"], "WARN");
    assert_eq!(
        line["fields"]["message"],
        "task stopped: its record is gone (deleted elsewhere, or the store lost its data)"
    );
    assert_eq!(line["request_id"], "forgotten");
    let res = ask(&a.app, "GET", &format!("/tasks/{id}"), "after").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deleting_unknown_tasks_publishes_nothing() {
    let Some(_serial) = one_at_a_time().await else {
        return;
    };
    let server = RedisServer::start().await;
    let prefix = new_prefix();
    let options = options_with(&prefix);
    let a = instance(&server.url(), options).await;
    let id = submit_kind(&a.app, "gated", "real").await;
    until_status(&a.app, &id, "running").await;

    let mut events = server.connect().await.unwrap();
    let channel = format!("{prefix}:events");
    let subscribed = events.cmd(&["SUBSCRIBE", &channel]).await.unwrap();
    assert!(matches!(subscribed, Reply::Array(_)), "{subscribed:?}");
    for (n, uri) in ["/tasks/*", "/tasks/%2A", "/tasks/no-such-task"]
        .iter()
        .cycle()
        .take(30)
        .enumerate()
    {
        let res = ask(&a.app, "DELETE", uri, &format!("anon-{n}")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
    }
    let res = ask(&a.app, "DELETE", &format!("/tasks/{id}"), "owner").await;
    assert_eq!(res.status, StatusCode::OK);

    // Messages arrive in publishing order: the first one must be the real
    // task's (its cancellation), none for the unknown IDs before it.
    let first = bounded("event", events.read()).await.unwrap();
    let Reply::Array(parts) = first else {
        panic!("{first:?}")
    };
    assert_eq!(parts[0].text(), "message");
    assert_eq!(parts[2].text(), id);
}

#[tokio::test]
async fn a_malformed_record_is_skipped_and_the_key_names_the_task() {
    let Some(_serial) = one_at_a_time().await else {
        return;
    };
    let (logs, _guard) = logging();
    let server = RedisServer::start().await;
    let prefix = new_prefix();
    let options = options_with(&prefix);
    let a = instance(&server.url(), options).await;
    let good = submit_kind(&a.app, "fail", "good").await;
    until_status(&a.app, &good, "failed").await;

    let all = format!("{prefix}:all");
    let bad = format!("{prefix}:task:bad");
    server
        .cmd(&[
            "HSET",
            &bad,
            "status",
            "completed",
            "created_at",
            "notanumber",
        ])
        .await;
    server.cmd(&["ZADD", &all, "9999999999", "bad"]).await;
    let moved = format!("{prefix}:task:moved");
    server
        .cmd(&[
            "HSET",
            &moved,
            "task_id",
            "someone-else",
            "status",
            "completed",
            "created_at",
            "5",
            "result",
            "1",
        ])
        .await;
    server.cmd(&["ZADD", &all, "5", "moved"]).await;

    let res = ask(&a.app, "GET", "/tasks/", "lister").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let ids: Vec<Value> = res.json()["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].clone())
        .collect();
    assert_eq!(ids, [json!(good), json!("moved")]);
    let lines = logs.lines();
    let skipped = lines
        .iter()
        .find(|l| l["fields"]["message"] == "task listing: record skipped")
        .unwrap_or_else(|| panic!("the skip is not logged: {lines:?}"));
    assert_eq!(skipped["fields"]["task_id"], "bad");
    assert_eq!(skipped["request_id"], "lister");
    let res = ask(&a.app, "GET", "/tasks/moved", "one").await;
    assert_eq!(res.json()["task_id"], "moved");
}
