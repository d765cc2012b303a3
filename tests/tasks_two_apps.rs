//! Two apps in one process, each with its own `Tracking`, task runner and
//! `Shutdown`, served on 127.0.0.1: shutting one down (its long-poll ended,
//! its drain giving up on its task) leaves the other serving, its task
//! running to its end, its settings as they were. And a runner's
//! configuration is a value: configuring a clone of a builder leaves the
//! original as it was, and a runner's clones share its tasks, never a way
//! to change it.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::{Extension, Router};
use common::capture::{json_logs, Capture};
use common::task_app::{app_with, ask, finished, with_id, App};
use common::wait::{until, within};
use common::{is_uuid, send, Answer};
use qh::background::Shutdown;
use qh::tasks::{Runner, RunnerBuilder, TaskStatus};
use qh::{IdGenerator, Tracking};
use serde_json::{json, Value};
use tokio::sync::{oneshot, Semaphore};
use tokio::task::JoinHandle;

/// Lets `gated` tasks finish, one permit each.
#[derive(Clone)]
struct Gate(Arc<Semaphore>);

/// A task that finishes when its app's gate lets it.
#[qh::endpoint(task)]
async fn gated(#[extract] gate: Extension<Gate>) -> Result<u32, String> {
    let Extension(Gate(gate)) = gate;
    let _permit = gate.acquire().await.map_err(|e| e.to_string())?;
    Ok(42)
}

/// One app on 127.0.0.1: its router's configuration, and the handles the
/// test keeps.
struct Served {
    addr: SocketAddr,
    header: &'static str,
    runner: Runner,
    shutdown: Shutdown,
    gate: Gate,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
}

async fn serve(tracking: Tracking, header: &'static str, runner: Runner) -> Served {
    let shutdown = Shutdown::new();
    let gate = Gate(Arc::new(Semaphore::new(0)));
    let app: Router = qh::routes![gated]
        .layer(Extension(gate.clone()))
        .layer(Extension(runner.clone()))
        .layer(tracking.shutdown(&shutdown));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let signal = shutdown.signal(stopped);
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .await
    });
    Served {
        addr,
        header,
        runner,
        shutdown,
        gate,
        stop: Some(stop),
        server,
    }
}

/// An answer over the wire: status, the ID echoed under the app's header,
/// the body as JSON.
struct Reply {
    status: StatusCode,
    echoed: Option<String>,
    body: Value,
}

async fn call(
    app: &Served,
    method: &str,
    path: &str,
    id: Option<&str>,
    user: Option<&str>,
) -> Reply {
    let url = format!("http://{}{path}", app.addr);
    let mut req = reqwest::Client::new().request(method.parse().unwrap(), url);
    if let Some(id) = id {
        req = req.header(app.header, id);
    }
    if let Some(user) = user {
        req = req.header("x-user", user);
    }
    if method == "POST" {
        req = req.header("content-type", "application/json").body("{}");
    }
    let res = req.send().await.unwrap();
    let status = StatusCode::from_u16(res.status().as_u16()).unwrap();
    let echoed = res
        .headers()
        .get(app.header)
        .map(|v| v.to_str().unwrap().to_owned());
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        echoed,
        body,
    }
}

async fn submit(app: &Served, id: &str, user: Option<&str>) -> String {
    let res = call(app, "POST", "/gated", Some(id), user).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.body);
    assert_eq!(res.echoed.as_deref(), Some(id));
    res.body["task_id"].as_str().unwrap().to_owned()
}

async fn until_running(app: &Served, task_id: &str, user: Option<&str>) {
    until(&format!("task {task_id} to run"), || async {
        let res = call(app, "GET", &format!("/tasks/{task_id}/status"), None, user).await;
        res.body["status"] == "running"
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_app_shuts_down_while_the_other_keeps_serving_unchanged() {
    // Logs of this binary need a subscriber in every test (see `json_logs`).
    let _logs = json_logs(&Capture::default());
    // A: the default header, the listing on, errors shown.
    let mut a = serve(
        Tracking::new(),
        "x-request-id",
        Runner::builder().listing(true).expose_errors(true).build(),
    )
    .await;
    // B: its own header and generator, an owner hook, two waiters at most.
    let b = serve(
        Tracking::new()
            .header("X-Correlation-ID")
            .generator(IdGenerator::UuidV7),
        "x-correlation-id",
        by_user_from(Runner::builder()).max_waiters(2).build(),
    )
    .await;

    let task_a = submit(&a, "a-1", None).await;
    let task_b = submit(&b, "b-1", Some("ada")).await;
    until_running(&a, &task_a, None).await;
    until_running(&b, &task_b, Some("ada")).await;
    assert_eq!((a.shutdown.in_flight(), b.shutdown.in_flight()), (1, 1));
    assert_eq!((a.runner.running_here(), b.runner.running_here()), (1, 1));

    // A long-poll on each, meant to outlast everything below.
    let poll = |app: &Served, task: &str, id: &'static str, user: Option<&'static str>| {
        let (addr, header) = (app.addr, app.header);
        let path = format!("/tasks/{task}/result?wait=true&timeout=300");
        tokio::spawn(async move {
            let url = format!("http://{addr}{path}");
            let mut req = reqwest::Client::new().get(url).header(header, id);
            if let Some(user) = user {
                req = req.header("x-user", user);
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.text().await.unwrap())
        })
    };
    let wait_a = poll(&a, &task_a, "wait-a", None);
    let wait_b = poll(&b, &task_b, "wait-b", Some("ada"));
    until("both long-polls to wait", || async {
        a.runner.waiting() == 1 && b.runner.waiting() == 1
    })
    .await;

    // A's shutdown signal: A stops accepting, and its long-poll ends at
    // once (its graceful shutdown is not held for 300 s).
    a.stop.take().unwrap().send(()).unwrap();
    let (status, text) = within("A's long-poll to end", wait_a).await.unwrap();
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("the server is shutting down"), "{text}");
    within("A's server to stop", &mut a.server)
        .await
        .unwrap()
        .unwrap();
    assert!(a.shutdown.begun());
    assert!(!b.shutdown.begun());
    // A's drain gives up on A's task: stopped, recorded cancelled.
    assert!(!a.shutdown.drain(Duration::from_millis(200)).await);
    let record = a.runner.store().get(&task_a).await.unwrap().unwrap();
    assert_eq!(record.status, TaskStatus::Cancelled);
    assert_eq!(a.runner.running_here(), 0);

    // B: untouched. Its task still runs, counted by B's shutdown only, and
    // its long-poll still waits.
    assert_eq!(b.runner.running_here(), 1);
    assert_eq!((b.shutdown.in_flight(), b.runner.waiting()), (1, 1));
    assert!(!wait_b.is_finished());
    let res = call(
        &b,
        "GET",
        &format!("/tasks/{task_b}/status"),
        Some("s-1"),
        Some("ada"),
    )
    .await;
    assert_eq!(res.body["status"], "running");
    // B's settings as they were: its header, its generator, its owner hook
    // (another user sees nothing; no user may not submit), its waiter bound.
    assert_eq!(res.echoed.as_deref(), Some("s-1"));
    let res = call(&b, "GET", "/tasks/", None, Some("ada")).await;
    assert!(
        is_uuid(res.echoed.as_deref().unwrap(), 7),
        "{:?}",
        res.echoed
    );
    assert_eq!(res.body["tasks"].as_array().unwrap().len(), 1);
    let res = call(&b, "GET", "/tasks/", None, Some("bob")).await;
    assert_eq!(res.body, json!({"tasks": []}));
    let res = call(&b, "GET", &format!("/tasks/{task_b}"), None, Some("bob")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = call(&b, "POST", "/gated", Some("anon-1"), None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    assert_eq!(res.body["status"], 401);
    let second = submit(&b, "b-2", Some("ada")).await;
    assert_eq!(b.runner.max_waiters(), 2);
    assert!(b.runner.owner().is_some() && !b.runner.listing());

    // B's tasks finish as if nothing happened to A.
    b.gate.0.add_permits(2);
    let (status, text) = within("B's long-poll to answer", wait_b).await.unwrap();
    assert_eq!(status, 200, "{text}");
    let done: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        done,
        json!({"task_id": task_b, "status": "completed", "result": 42})
    );
    let res = call(
        &b,
        "GET",
        &format!("/tasks/{second}/result?wait=true"),
        None,
        Some("ada"),
    )
    .await;
    assert_eq!(res.body["result"], 42, "{}", res.body);
    assert!(b.shutdown.drain(Duration::from_secs(30)).await);
    assert_eq!(b.shutdown.in_flight(), 0);
    a.server.abort();
    b.server.abort();
}

/// A request from user `ada` (accepted by every runner here, with or
/// without an owner hook).
async fn as_ada(app: &App, method: &str, uri: &str) -> Answer {
    let mut req = with_id(method, uri, "ada-asks");
    req.headers_mut().insert("x-user", "ada".parse().unwrap());
    send(&app.router, req).await
}

async fn submit_as_ada(app: &App, kind: &str) -> String {
    let res = as_ada(app, "POST", &format!("/submit/{kind}")).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    res.json()["task_id"].as_str().unwrap().to_owned()
}

/// Polls the status route (as `ada`, without waiting) until `status`.
async fn until_ada_sees(app: &App, task_id: &str, status: &str) {
    until(&format!("task {task_id} to be {status}"), || async {
        let res = as_ada(app, "GET", &format!("/tasks/{task_id}/status")).await;
        res.json()["status"] == status
    })
    .await;
}

/// The behaviours a runner's configuration decides, as clients see them:
/// whether the listing is served to an anonymous client, whether an
/// anonymous submission runs, whether a failure's message is shown,
/// whether `?wait=true` waits.
async fn behaviours(runner: Runner) -> Value {
    let app = app_with(runner);
    let listing = ask(&app, "GET", "/tasks/", "l").await.status.as_u16();
    let anonymous = ask(&app, "POST", "/submit/fail", "s").await.status.as_u16();
    let failed = submit_as_ada(&app, "fail").await;
    until_ada_sees(&app, &failed, "failed").await;
    let uri = format!("/tasks/{failed}/result");
    let failure = as_ada(&app, "GET", &uri).await.json()["error"].clone();
    let gated = submit_as_ada(&app, "gated").await;
    until_ada_sees(&app, &gated, "running").await;
    let uri = format!("/tasks/{gated}/result?wait=true&timeout=0.05");
    let wait = as_ada(&app, "GET", &uri).await.status.as_u16();
    app.gate.0.add_permits(1);
    json!({
        "listing": listing,
        "anonymous_submission": anonymous,
        "failure_shown": failure,
        "wait": wait,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuring_a_clone_leaves_the_original_as_it_was() {
    let _logs = json_logs(&Capture::default());
    let base = Runner::builder();
    let listed = base
        .clone()
        .listing(true)
        .expose_errors(true)
        .max_waiters(0)
        .build();
    let owned = by_user_from(base.clone()).build();
    let original = base.build();

    // The original: the defaults, in its getters and in what clients see.
    assert!(!original.listing() && !original.expose_errors());
    assert!(original.owner().is_none());
    assert_eq!(original.max_waiters(), qh::tasks::DEFAULT_MAX_WAITERS);
    assert_eq!(
        behaviours(original.clone()).await,
        json!({
            "listing": 404,
            "anonymous_submission": 202,
            "failure_shown": "the task failed; the server logs have the details",
            // It waited, and the task had not finished.
            "wait": 202,
        })
    );
    // The clones: what each was given, and nothing else.
    assert!(listed.listing() && listed.expose_errors() && listed.owner().is_none());
    assert_eq!(listed.max_waiters(), 0);
    assert_eq!(
        behaviours(listed).await,
        json!({
            "listing": 200,
            "anonymous_submission": 202,
            "failure_shown": "disk full",
            // Waiting turned off: refused at once.
            "wait": 503,
        })
    );
    assert!(owned.owner().is_some() && !owned.listing() && !owned.expose_errors());
    assert_eq!(
        behaviours(owned).await,
        json!({
            // With an owner hook the listing is served, scoped to the caller.
            "listing": 200,
            "anonymous_submission": 401,
            "failure_shown": "the task failed; the server logs have the details",
            "wait": 202,
        })
    );

    // A runner's clone is the same runner: its tasks, its configuration.
    let clone = original.clone();
    let submitted = clone
        .submit("by_clone", async { Ok::<_, String>(1) })
        .await
        .unwrap();
    let record = finished(&**original.store(), &submitted.task_id).await;
    assert_eq!(record.status, TaskStatus::Completed);
    assert_eq!(
        (clone.listing(), clone.expose_errors(), clone.max_waiters()),
        (
            original.listing(),
            original.expose_errors(),
            original.max_waiters()
        )
    );
}

/// `builder` with the `X-User` owner hook.
fn by_user_from(builder: RunnerBuilder) -> RunnerBuilder {
    builder.owner(|parts| {
        parts
            .headers
            .get("x-user")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
}
