//! Two runners on one Redis in this process: what a submission stores,
//! and a task handed back by one (its drain gave up on it) taken over by
//! the other, which has only what was stored and what it registered.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::{Extension, Router};
use qh::background::Shutdown;
use qh::tasks::{RedisOptions, RedisTaskStore, Runner, TaskStatus, TaskStore};
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use crate::common::redis_server::{self, RedisServer, Reply};
use crate::common::send;
use crate::common::task_app::finished;

/// An instance's own resources: its name, and whether its work may end.
#[derive(Clone)]
struct Site {
    name: &'static str,
    gate: Arc<Semaphore>,
}

#[qh::endpoint(task)]
async fn report(
    #[extract] State(site): State<Site>,
    #[header("x-tenant")] tenant: String,
    month: String,
) -> Value {
    let _permit = site.gate.acquire().await.map_err(|e| e.to_string());
    json!({"site": site.name, "tenant": tenant, "month": month})
}

/// Reads its path and query: routed again where it runs again.
#[qh::endpoint(task, path = "/accounts/{account}/export")]
async fn export(
    #[extract] State(site): State<Site>,
    account: String,
    #[query] format: Option<String>,
) -> Value {
    let _permit = site.gate.acquire().await.map_err(|e| e.to_string());
    json!({"site": site.name, "account": account, "format": format})
}

#[derive(Clone)]
struct Marker;

/// Reads what the app's middleware (here a layer) put in the request: not
/// stored, so another instance cannot give it back.
#[qh::endpoint(task)]
async fn needs_layer(
    #[extract] State(site): State<Site>,
    #[extract] Extension(_marker): Extension<Marker>,
) -> &'static str {
    let _permit = site.gate.acquire().await.map_err(|e| e.to_string());
    site.name
}

async fn store(server: &RedisServer, prefix: &str) -> RedisTaskStore {
    let options = RedisOptions::default()
        .prefix(prefix)
        .lease(Duration::from_millis(600));
    RedisTaskStore::connect_with(&server.url(), options)
        .await
        .unwrap()
}

struct A {
    router: Router,
    runner: Runner,
    shutdown: Shutdown,
}

/// The instance that takes submissions; its work never ends on its own.
async fn instance_a(server: &RedisServer, prefix: &str) -> A {
    let shutdown = Shutdown::new();
    let site = Site {
        name: "a",
        gate: Arc::new(Semaphore::new(0)),
    };
    let runner = Runner::builder()
        .store(store(server, prefix).await)
        .endpoint_with_state::<report, _>(site.clone())
        .endpoint_with_state::<needs_layer, _>(site.clone())
        .endpoint_with_state::<export, _>(site.clone())
        .shutdown(&shutdown)
        .build();
    let router = qh::routes![report, needs_layer, export]
        .with_state(site)
        .layer(Extension(Marker))
        .layer(Extension(runner.clone()))
        .layer(qh::Tracking::new().shutdown(&shutdown));
    A {
        router,
        runner,
        shutdown,
    }
}

/// The instance that takes tasks over: no router, no request served, only
/// its endpoints registered with its own state.
async fn instance_b(server: &RedisServer, prefix: &str) -> Runner {
    let site = Site {
        name: "b",
        gate: Arc::new(Semaphore::new(100)),
    };
    Runner::builder()
        .store(store(server, prefix).await)
        .endpoint_with_state::<report, _>(site.clone())
        .endpoint_with_state::<needs_layer, _>(site.clone())
        .endpoint_with_state::<export, _>(site)
        .expose_errors(true)
        .build()
}

async fn submit(a: &A, path: &str, body: &str) -> String {
    let req = Request::post(path)
        .header("content-type", "application/json")
        .header("x-request-id", "handed")
        .header("x-tenant", "acme")
        .header("authorization", "Bearer s3cr3t-token")
        .header("cookie", "session=s3ss10n")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let res = send(&a.router, req).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    res.json()["task_id"].as_str().unwrap().to_owned()
}

async fn running(store: &dyn TaskStore, id: &str) {
    crate::common::wait::until("the task to run", || async {
        store.get(id).await.unwrap().unwrap().status == TaskStatus::Running
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_handed_back_runs_elsewhere_with_what_was_stored() {
    let Some(()) = redis_server::available() else {
        return;
    };
    let server = RedisServer::start().await;
    let prefix = format!("qh-handback:{}", uuid::Uuid::new_v4());
    let a = instance_a(&server, &prefix).await;
    let b = instance_b(&server, &prefix).await;
    let id = submit(&a, "/report", r#"{"month":"2026-11"}"#).await;
    let stuck = submit(&a, "/needs_layer", "").await;
    let routed = submit(&a, "/accounts/acme-7/export?format=csv", "").await;
    for task in [&id, &stuck, &routed] {
        running(&**a.runner.store(), task).await;
    }

    // Stored: the body and the header the endpoint declares, nothing else.
    let task = format!("{prefix}:task:{id}");
    let Reply::Bulk(Some(stored)) = server.cmd(&["HGET", &task, "invocation"]).await else {
        panic!("no invocation stored");
    };
    let stored = String::from_utf8(stored).unwrap();
    assert!(
        stored.contains("x-tenant") && stored.contains("acme"),
        "{stored}"
    );
    assert!(stored.contains("2026-11"), "{stored}");
    assert!(
        !stored.contains("s3cr3t") && !stored.contains("s3ss10n"),
        "{stored}"
    );
    assert!(
        !stored.contains("authorization") && !stored.contains("cookie"),
        "{stored}"
    );

    // A's drain gives up on both: handed back, B takes them over.
    assert!(!a.shutdown.drain(Duration::from_millis(50)).await);
    let done = finished(&**b.store(), &id).await;
    assert_eq!(done.status, TaskStatus::Completed, "{done:?}");
    assert_eq!(
        done.result,
        Some(json!({"site": "b", "tenant": "acme", "month": "2026-11"}))
    );
    assert_eq!(done.attempt, 2);
    let done = finished(&**b.store(), &routed).await;
    assert_eq!(
        done.result,
        Some(json!({"site": "b", "account": "acme-7", "format": "csv"})),
        "{done:?}"
    );

    // An extractor reading what the app's layers put in the request
    // cannot run again elsewhere: failed, with the reason.
    let failed = finished(&**b.store(), &stuck).await;
    assert_eq!(failed.status, TaskStatus::Failed, "{failed:?}");
    let error = failed.error.unwrap();
    assert!(
        error.starts_with(
            "the task cannot run again: the endpoint refused the request rebuilt to run it again: 500"
        ),
        "{error}"
    );
}
