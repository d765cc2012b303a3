//! Task owners in `RedisTaskStore` against a real `redis-server`: the owner
//! is kept in the record's hash and comes back on every instance, which
//! then scopes every route to it; the owner's listing indexes hold its
//! tasks only (hex-encoded names, so no owner reaches another's index) and
//! are cleaned when a task is deleted. Needs `QH_REDIS_URL` (e.g.
//! `redis://127.0.0.1:6392/`); without it each test says so and passes,
//! unless `QH_REDIS_REQUIRED=1` (CI), where a skip is a failure.

mod common;

use axum::http::StatusCode;
use common::redis::redis_url;
use common::redis_server::{RedisServer, Reply};
use common::task_app::{app_with, assert_problem, App};
use common::{send, Answer};
use qh::tasks::{RedisOptions, RedisTaskStore, Runner};
use serde_json::json;

/// The data of the server at `url` (`redis://host:port/…`), to look at.
fn server_of(url: &str) -> RedisServer {
    let port = url
        .trim_start_matches("redis://")
        .split(['/', '@'])
        .find_map(|part| part.rsplit_once(':').and_then(|(_, p)| p.parse().ok()))
        .unwrap_or(6379);
    RedisServer::running_at(port)
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

async fn instance(url: &str, prefix: &str) -> App {
    let store = RedisTaskStore::connect_with(url, RedisOptions::default().prefix(prefix))
        .await
        .unwrap();
    app_with(
        Runner::builder()
            .store(store)
            .owner(|parts| {
                parts
                    .headers
                    .get("x-user")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            })
            .build(),
    )
}

async fn as_user(app: &App, method: &str, uri: &str, id: &str, user: Option<&str>) -> Answer {
    let mut req = axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header("x-request-id", id);
    if let Some(user) = user {
        req = req.header("x-user", user);
    }
    let res = send(&app.router, req.body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(res.echoed(), id, "{method} {uri}");
    res
}

async fn submit_as(app: &App, id: &str, user: &str) -> String {
    let res = as_user(app, "POST", "/submit/gated", id, Some(user)).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    res.json()["task_id"].as_str().unwrap().to_owned()
}

fn ids(res: &Answer) -> Vec<String> {
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_travels_through_redis_and_scopes_every_instance() {
    let Some(url) = redis_url() else { return };
    let prefix = format!("qh-owner:{}", uuid::Uuid::new_v4());
    let a = instance(&url, &prefix).await;
    let b = instance(&url, &prefix).await;
    let redis = server_of(&url);

    let adas = submit_as(&a, "victim-1", "ada").await;
    // Another owner sends the same request ID (a spoofed one).
    let mallorys = submit_as(&b, "victim-1", "mallory").await;

    // Kept with the record, read back on the other instance.
    let record = b.tasks.store().get(&adas).await.unwrap().unwrap();
    assert_eq!(record.owner.as_deref(), Some("ada"));
    let task_key = format!("{prefix}:task:{adas}");
    assert_eq!(redis.cmd(&["HGET", &task_key, "owner"]).await.text(), "ada");

    // B serves ada's task to ada only; to anyone else as an unknown task.
    let res = as_user(&b, "GET", &format!("/tasks/{adas}"), "ada-b", Some("ada")).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(!res.text().contains("\"ada\""), "{}", res.text());
    for user in [Some("mallory"), None] {
        for (method, uri) in [
            ("GET", format!("/tasks/{adas}")),
            ("GET", format!("/tasks/{adas}/status")),
            ("GET", format!("/tasks/{adas}/result?wait=true&timeout=30")),
            ("DELETE", format!("/tasks/{adas}")),
        ] {
            let res = as_user(&b, method, &uri, "other", user).await;
            let doc = assert_problem(&res, StatusCode::NOT_FOUND, "other");
            assert_eq!(
                doc["type"], "urn:qh:problem:task-not-found",
                "{method} {uri}"
            );
        }
    }

    // Listings, by owner and by owner and request ID, on either instance.
    for app in [&a, &b] {
        let res = as_user(
            app,
            "GET",
            "/tasks/?request_id=victim-1",
            "l",
            Some("mallory"),
        )
        .await;
        assert_eq!(ids(&res), std::slice::from_ref(&mallorys));
        let res = as_user(app, "GET", "/tasks/?request_id=victim-1", "l", Some("ada")).await;
        assert_eq!(ids(&res), std::slice::from_ref(&adas));
        let res = as_user(app, "GET", "/tasks/", "l", Some("ada")).await;
        assert_eq!(ids(&res), std::slice::from_ref(&adas));
        let res = as_user(app, "GET", "/tasks/", "l", None).await;
        assert!(ids(&res).is_empty());
    }
    let own = format!("{prefix}:own:{}", hex("ada"));
    let own_req = format!("{own}:req:victim-1");
    for index in [&own, &own_req] {
        assert_eq!(redis.cmd(&["ZCARD", index]).await, Reply::Int(1), "{index}");
        assert!(matches!(redis.cmd(&["PTTL", index]).await, Reply::Int(ms) if ms > 0));
    }

    // Deleted by its owner on the other instance: gone from its indexes,
    // the other owner's task kept.
    a.gate.0.add_permits(1);
    let res = as_user(
        &b,
        "DELETE",
        &format!("/tasks/{adas}"),
        "ada-del",
        Some("ada"),
    )
    .await;
    assert_eq!(res.json(), json!({"task_id": adas, "status": "deleted"}));
    for index in [&own, &own_req] {
        assert_eq!(
            redis.cmd(&["EXISTS", index]).await,
            Reply::Int(0),
            "{index}"
        );
    }
    let res = as_user(
        &a,
        "GET",
        "/tasks/?request_id=victim-1",
        "l",
        Some("mallory"),
    )
    .await;
    assert_eq!(ids(&res), [mallorys]);
    b.gate.0.add_permits(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_name_never_reaches_another_owners_index() {
    let Some(url) = redis_url() else { return };
    let prefix = format!("qh-owner:{}", uuid::Uuid::new_v4());
    let app = instance(&url, &prefix).await;
    // Spelled raw, `own:x` + `:req:y` would be the index of owner `x:req:y`.
    let task = submit_as(&app, "y", "x").await;
    let res = as_user(&app, "GET", "/tasks/", "l", Some("x:req:y")).await;
    assert!(ids(&res).is_empty(), "{}", res.text());
    let res = as_user(&app, "GET", "/tasks/?request_id=y", "l", Some("x")).await;
    assert_eq!(ids(&res), [task]);
    app.gate.0.add_permits(1);
}
