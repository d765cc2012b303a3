//! Tasks that outlive their instance, with instances in processes of their
//! own sharing one real `redis-server` (started by each test on 127.0.0.1):
//! `kill -9` of the instance running a task, whose task another instance
//! finishes (attempt 2), and a rolling deploy (SIGTERM to an instance with
//! 20 tasks running), after which all 20 complete elsewhere. In one
//! process, two runners on one store: what a submission stores (only the
//! headers the endpoint declares), the state a task taken over runs with,
//! and what becomes of one whose extractor needs what was not stored.
//! Skips (saying so) without `redis-server` on PATH, fails instead when
//! `QH_REDIS_REQUIRED=1`.

#[path = "../common/mod.rs"]
mod common;
mod fleet;
mod instance;
mod runners;

use std::time::Duration;

use common::redis_server::{self, RedisServer};
use common::wait::PATIENCE;
use fleet::{Instance, Setup};
use serde_json::{json, Value};

/// Not a test: the entry point of an instance process (`fleet.rs` runs
/// this binary again with only this selected).
#[test]
fn instance() {
    if std::env::var_os("QH_TASK_INSTANCE").is_none() {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(instance::serve());
}

/// Short leases: a lost instance's task runs again within about two and a
/// half leases.
fn setup(server: &RedisServer, drain: Duration) -> Setup {
    Setup {
        redis_url: server.url(),
        prefix: format!("qh-rerun:{}", uuid::Uuid::new_v4()),
        lease: Duration::from_millis(900),
        drain,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("a client")
}

/// The trace every submission continues (a W3C `traceparent`).
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

async fn submit(client: &reqwest::Client, to: &Instance, ms: u64, tag: &str) -> String {
    let res = client
        .post(to.url("/work"))
        .header("content-type", "application/json")
        .header("x-request-id", format!("submit-{tag}"))
        .header("traceparent", format!("00-{TRACE_ID}-00f067aa0ba902b7-01"))
        .body(json!({"ms": ms, "tag": tag}).to_string())
        .send()
        .await
        .expect("the instance answers");
    assert_eq!(res.status(), 202);
    let body: Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    body["task_id"].as_str().expect("a task ID").to_owned()
}

async fn get(client: &reqwest::Client, from: &Instance, path: &str) -> (u16, Value) {
    let res = client
        .get(from.url(path))
        .send()
        .await
        .expect("the instance answers");
    let status = res.status().as_u16();
    let body = res.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Polls `from` (bounded) until the task reaches `status`; its record.
async fn until_status(client: &reqwest::Client, from: &Instance, id: &str, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let (_, record) = get(client, from, &format!("/tasks/{id}")).await;
        if record["status"] == status {
            return record;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "task {id} never became {status}: {record}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_s_task_is_finished_by_another() {
    let Some(()) = redis_server::available() else {
        return;
    };
    let server = RedisServer::start().await;
    let setup = setup(&server, Duration::from_secs(5));
    let mut a = Instance::start("a", &setup);
    let b = Instance::start("b", &setup);
    let client = client();

    let id = submit(&client, &a, 1500, "killed").await;
    let running = until_status(&client, &b, &id, "running").await;
    assert_eq!(running["attempt"], 1);
    a.kill_hard();

    // B finds A's lease past its end, waits out the grace, claims the task
    // and runs it again from what was stored.
    let done = until_status(&client, &b, &id, "completed").await;
    assert_eq!(done["attempt"], 2, "{done}");
    assert_eq!(done["max_attempts"], 3);
    // With the submitting request's ID and trace.
    assert_eq!(
        done["result"],
        json!({"tag": "killed", "by": "b", "request_id": "submit-killed", "trace_id": TRACE_ID})
    );
    assert_eq!(done["request_id"], "submit-killed");
    let took_over = b
        .logs()
        .into_iter()
        .find(|l| {
            l["fields"]["message"] == "task taken over from a lost instance: it runs again here"
        })
        .unwrap_or_else(|| panic!("B did not say it took the task over: {:?}", b.logs()));
    assert_eq!(took_over["level"], "WARN");
    assert_eq!(took_over["span"]["task_id"], id.as_str());
    assert_eq!(took_over["span"]["attempt"], 2);
    assert_eq!(took_over["request_id"], "submit-killed");
    assert_eq!(took_over["trace_id"], TRACE_ID);

    // The result reads the same from another instance (A's replacement).
    let a2 = Instance::start("a2", &setup);
    let (status, result) = get(&client, &a2, &format!("/tasks/{id}/result")).await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["result"]["by"], "b");
    let (status, result) = get(&client, &b, &format!("/tasks/{id}/result")).await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["result"]["tag"], "killed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_deploy_loses_no_task() {
    let Some(()) = redis_server::available() else {
        return;
    };
    let server = RedisServer::start().await;
    // A drain far shorter than the tasks: every one is still running when
    // it gives up.
    let setup = setup(&server, Duration::from_millis(300));
    let mut a = Instance::start("a", &setup);
    let b = Instance::start("b", &setup);
    let client = client();

    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(submit(&client, &a, 2000, &format!("deploy-{n}")).await);
    }
    for id in &ids {
        until_status(&client, &b, id, "running").await;
    }
    a.terminate();
    assert!(a.exited().success(), "A did not stop cleanly");
    let handed_back = a
        .logs()
        .into_iter()
        .filter(|l| {
            l["fields"]["message"] == "task handed back at shutdown: another instance runs it again"
        })
        .count();
    assert_eq!(handed_back, 20, "{:?}", a.logs());

    for (n, id) in ids.iter().enumerate() {
        let done = until_status(&client, &b, id, "completed").await;
        assert_eq!(
            done["result"],
            json!({
                "tag": format!("deploy-{n}"),
                "by": "b",
                "request_id": format!("submit-deploy-{n}"),
                "trace_id": TRACE_ID,
            })
        );
        // Started twice; the start handed back does not count.
        assert_eq!(done["attempt"], 2, "{done}");
    }
}
