//! Per-caller quotas on a runner: unfinished tasks, kept records and long
//! polls, per owner (an owner hook) and per anonymous peer (its IP address
//! from `ConnectInfo`), answered `429` problem+json with `Retry-After`; a
//! store makes room with the caller's own finished records, never another
//! caller's. In memory and, with the feature `redis` and `redis-server` on
//! PATH, in Redis.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::{Extension, Router};
use common::{assert_problem, send, Answer};
use qh::tasks::{MemoryTaskStore, Quota, Runner};
use serde_json::Value;
use tokio::sync::Semaphore;

#[derive(Clone)]
struct Gate(Arc<Semaphore>);

/// Runs until the gate lets it finish.
#[qh::endpoint(task)]
async fn hold(#[extract] Extension(gate): Extension<Gate>) -> u32 {
    let _permit = gate.0.acquire().await.map_err(|e| e.to_string());
    7
}

/// Finishes at once.
#[qh::endpoint(task)]
async fn quick() -> u32 {
    1
}

struct App {
    router: Router,
    runner: Runner,
    gate: Gate,
}

fn app(runner: Runner) -> App {
    let gate = Gate(Arc::new(Semaphore::new(0)));
    let router = qh::routes![hold, quick]
        .layer(Extension(gate.clone()))
        .layer(Extension(runner.clone()))
        .layer(qh::Tracking::new());
    App {
        router,
        runner,
        gate,
    }
}

/// Callers named by `x-user`; without it, anonymous.
fn owners() -> qh::tasks::RunnerBuilder {
    Runner::builder().owner(|parts| {
        parts
            .headers
            .get("x-user")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
}

/// A request as `user`, or as the anonymous peer `peer`.
fn request(method: &str, uri: &str, user: Option<&str>, peer: Option<&str>) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(uri).header(
        "x-request-id",
        format!("{}-{}", user.unwrap_or("anon"), uri.len()),
    );
    if let Some(user) = user {
        req = req.header("x-user", user);
    }
    let mut req = req.body(Body::empty()).unwrap();
    if let Some(peer) = peer {
        let addr: SocketAddr = peer.parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
    }
    req
}

async fn submit(app: &App, path: &str, user: Option<&str>, peer: Option<&str>) -> Answer {
    send(&app.router, request("POST", path, user, peer)).await
}

fn task_id(res: &Answer) -> String {
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    res.json()["task_id"].as_str().unwrap().to_owned()
}

fn refused(res: &Answer, quota: &str, limit: u64, retry_after: &str) -> Value {
    let doc = assert_problem(res, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(doc["type"], "urn:qh:problem:task-quota");
    assert_eq!(doc["quota"], quota);
    assert_eq!(doc["limit"], limit);
    assert_eq!(res.headers["retry-after"], retry_after);
    doc
}

async fn running_tasks_per_owner(app: &App) {
    task_id(&submit(app, "/hold", Some("alice"), None).await);
    task_id(&submit(app, "/hold", Some("alice"), None).await);
    refused(
        &submit(app, "/hold", Some("alice"), None).await,
        "running",
        2,
        "5",
    );
    // Bob is not alice.
    task_id(&submit(app, "/hold", Some("bob"), None).await);
    // One of alice's finishes: she may submit again.
    app.gate.0.add_permits(1);
    common::wait::until("a task of the holders to finish", || async {
        submit(app, "/quick", Some("alice"), None).await.status == StatusCode::ACCEPTED
    })
    .await;
    app.gate.0.add_permits(10);
}

async fn running_tasks_per_anonymous_peer(app: &App) {
    // No owner hook: counted by IP address, whatever the port.
    task_id(&submit(app, "/hold", None, Some("10.0.0.1:40000")).await);
    task_id(&submit(app, "/hold", None, Some("10.0.0.1:40001")).await);
    refused(
        &submit(app, "/hold", None, Some("10.0.0.1:40002")).await,
        "running",
        2,
        "5",
    );
    task_id(&submit(app, "/hold", None, Some("10.0.0.2:40000")).await);
    app.gate.0.add_permits(10);
}

#[tokio::test]
async fn running_quotas_in_memory() {
    let quota = Quota::default().running(2);
    running_tasks_per_owner(&app(owners().quota(quota).build())).await;
    running_tasks_per_anonymous_peer(&app(Runner::builder().quota(quota).build())).await;
}

/// Waits until `runner` runs nothing (its tasks all finished).
async fn settled(runner: &Runner) {
    common::wait::until_true("every task to finish", || runner.running_here() == 0).await;
}

async fn status(app: &App, id: &str, user: &str) -> StatusCode {
    send(
        &app.router,
        request("GET", &format!("/tasks/{id}"), Some(user), None),
    )
    .await
    .status
}

#[tokio::test]
async fn kept_records_make_room_with_the_caller_s_own_only() {
    let app = app(owners().quota(Quota::default().kept(2)).build());
    let bob = task_id(&submit(&app, "/quick", Some("bob"), None).await);
    let first = task_id(&submit(&app, "/quick", Some("alice"), None).await);
    let second = task_id(&submit(&app, "/quick", Some("alice"), None).await);
    settled(&app.runner).await;
    // A third: alice's oldest finished record makes room, bob's stays.
    let third = task_id(&submit(&app, "/quick", Some("alice"), None).await);
    settled(&app.runner).await;
    assert_eq!(status(&app, &first, "alice").await, StatusCode::NOT_FOUND);
    assert_eq!(status(&app, &second, "alice").await, StatusCode::OK);
    assert_eq!(status(&app, &third, "alice").await, StatusCode::OK);
    assert_eq!(status(&app, &bob, "bob").await, StatusCode::OK);
    // None of hers finished: nothing to evict, refused.
    let app = self::app(owners().quota(Quota::default().kept(2)).build());
    task_id(&submit(&app, "/hold", Some("alice"), None).await);
    task_id(&submit(&app, "/hold", Some("alice"), None).await);
    refused(
        &submit(&app, "/quick", Some("alice"), None).await,
        "kept",
        2,
        "5",
    );
    app.gate.0.add_permits(10);
}

#[tokio::test]
async fn a_full_store_never_evicts_another_caller_s_records() {
    let store = MemoryTaskStore::new().capacity(3);
    let app = app(owners().store(store).build());
    let bob = task_id(&submit(&app, "/quick", Some("bob"), None).await);
    settled(&app.runner).await;
    task_id(&submit(&app, "/hold", Some("alice"), None).await);
    task_id(&submit(&app, "/hold", Some("alice"), None).await);
    // Full, and alice has no finished record: 503, bob's result kept.
    let res = submit(&app, "/quick", Some("alice"), None).await;
    assert_problem(&res, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(status(&app, &bob, "bob").await, StatusCode::OK);
    // Bob's own finished record makes room for bob.
    let again = task_id(&submit(&app, "/quick", Some("bob"), None).await);
    settled_one(&app, &again).await;
    assert_eq!(status(&app, &bob, "bob").await, StatusCode::NOT_FOUND);
    app.gate.0.add_permits(10);
}

async fn settled_one(app: &App, id: &str) {
    let record = common::task_app::finished(&**app.runner.store(), id).await;
    assert!(record.status.is_finished());
}

#[tokio::test]
async fn waits_per_caller() {
    let app = app(owners().quota(Quota::default().waiting(1)).build());
    let id = task_id(&submit(&app, "/hold", Some("alice"), None).await);
    let uri = format!("/tasks/{id}/result?wait=true&timeout=30");
    let first = {
        let router = app.router.clone();
        let req = request("GET", &uri, Some("alice"), None);
        tokio::spawn(async move { send(&router, req).await })
    };
    common::wait::until_true("alice's first wait", || app.runner.waiting() == 1).await;
    let res = send(&app.router, request("GET", &uri, Some("alice"), None)).await;
    refused(&res, "waiting", 1, "1");
    // Bob's wait on his own task is his share.
    let his = task_id(&submit(&app, "/quick", Some("bob"), None).await);
    let res = send(
        &app.router,
        request(
            "GET",
            &format!("/tasks/{his}/result?wait=true"),
            Some("bob"),
            None,
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    app.gate.0.add_permits(1);
    assert_eq!(first.await.unwrap().status, StatusCode::OK);
    assert_eq!(app.runner.waiting(), 0);
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn quotas_in_redis_are_shared_by_instances() {
    let Some(()) = common::redis_server::available() else {
        return;
    };
    let server = common::redis_server::RedisServer::start().await;
    let options =
        qh::tasks::RedisOptions::default().prefix(format!("qh-quota:{}", uuid::Uuid::new_v4()));
    let store = || async {
        qh::tasks::RedisTaskStore::connect_with(&server.url(), options.clone())
            .await
            .unwrap()
    };
    let quota = Quota::default().running(2).kept(3);
    let a = app(owners().store(store().await).quota(quota).build());
    let b = app(owners().store(store().await).quota(quota).build());
    // Two on A, the third on B is refused: one count for the fleet.
    task_id(&submit(&a, "/hold", Some("alice"), None).await);
    task_id(&submit(&a, "/hold", Some("alice"), None).await);
    refused(
        &submit(&b, "/hold", Some("alice"), None).await,
        "running",
        2,
        "5",
    );
    task_id(&submit(&b, "/hold", Some("bob"), None).await);
    // Anonymous peers, by address.
    let anon = app(Runner::builder().store(store().await).quota(quota).build());
    running_tasks_per_anonymous_peer(&anon).await;
    a.gate.0.add_permits(10);
    b.gate.0.add_permits(10);
    settled(&a.runner).await;
    settled(&b.runner).await;
    // Kept: alice has 2 finished; a third and a fourth evict her oldest.
    let third = task_id(&submit(&b, "/quick", Some("alice"), None).await);
    settled(&b.runner).await;
    let fourth = task_id(&submit(&a, "/quick", Some("alice"), None).await);
    settled(&a.runner).await;
    let listed = a
        .runner
        .store()
        .list(&qh::tasks::ListFilter::new(10).owner("alice"))
        .await
        .unwrap();
    let ids: Vec<&str> = listed.iter().map(|r| r.task_id.as_str()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.contains(&third.as_str()) && ids.contains(&fourth.as_str()));
    let bobs = a
        .runner
        .store()
        .list(&qh::tasks::ListFilter::new(10).owner("bob"))
        .await
        .unwrap();
    assert_eq!(bobs.len(), 1);
}
