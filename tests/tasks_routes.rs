//! Task endpoints through real routers: submission with the request's
//! context, every `/tasks` route and status code, cancellation, the memory
//! store's bounds, 500 concurrent submissions, and a client written against
//! Python qh's task API.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use axum::{Extension, Router};
use common::task_app::{
    app, app_with, ask, assert_problem, finished, submit_kind, until_dropped, until_status, with_id,
};
use common::wait::{until, until_true};
use common::{get_with, send};
use qh::tasks::{CallerTasks, MemoryTaskStore, Runner, TaskStatus};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_through_every_route() {
    let app = app();
    let id = submit_kind(&app, "gated", "sub-1").await;
    until_status(&app, &id, "running").await;

    let res = ask(&app, "GET", &format!("/tasks/{id}/status"), "q-1").await;
    assert_eq!(res.status, 200);
    let status = res.json();
    assert_eq!(status["task_id"], id.as_str());
    assert!(status["created_at"].as_f64().unwrap() > 1.7e9);
    assert!(status["started_at"].as_f64().unwrap() >= status["created_at"].as_f64().unwrap());
    assert!(status["completed_at"].is_null());

    let res = ask(&app, "GET", &format!("/tasks/{id}/result"), "q-2").await;
    assert_eq!(res.status, StatusCode::ACCEPTED);
    assert_eq!(res.json()["status"], "running");
    assert!(res.json()["message"].is_string());

    let res = ask(
        &app,
        "GET",
        &format!("/tasks/{id}/result?wait=true&timeout=0.1"),
        "q-3",
    )
    .await;
    // A wait that ends first is the not-finished answer, no error.
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    assert_eq!(res.echoed(), "q-3");
    let doc = res.json();
    assert_eq!(doc["task_id"], id.as_str());
    assert_eq!(doc["status"], "running");
    assert!(doc["message"].is_string());

    app.gate.0.add_permits(1);
    let res = ask(
        &app,
        "GET",
        &format!("/tasks/{id}/result?wait=1&timeout=30"),
        "q-4",
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        res.json(),
        json!({"task_id": id, "status": "completed", "result": {"answer": 42}})
    );

    let res = ask(&app, "GET", &format!("/tasks/{id}"), "q-5").await;
    assert_eq!(res.status, 200);
    let record = res.json();
    assert_eq!(record["endpoint"], "gated");
    assert_eq!(record["request_id"], "sub-1");
    assert_eq!(record["status"], "completed");
    assert_eq!(record["result"], json!({"answer": 42}));
    assert!(record["error"].is_null());
    assert!(record["completed_at"].as_f64() >= record["started_at"].as_f64());

    let other = submit_kind(&app, "whoami", "sub-2").await;
    let res = ask(&app, "GET", "/tasks/?request_id=sub-1", "q-6").await;
    let listed = res.json()["tasks"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["task_id"], id.as_str());
    let res = ask(&app, "GET", "/tasks?limit=1", "q-7").await;
    let newest = res.json()["tasks"].as_array().unwrap().clone();
    assert_eq!(newest.len(), 1);
    assert_eq!(newest[0]["task_id"], other.as_str(), "newest first");
    let res = ask(&app, "GET", "/tasks/", "q-8").await;
    assert_eq!(res.json()["tasks"].as_array().unwrap().len(), 2);

    let res = ask(&app, "DELETE", &format!("/tasks/{id}"), "q-9").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json(), json!({"task_id": id, "status": "deleted"}));

    for (method, uri) in [
        ("GET", format!("/tasks/{id}")),
        ("GET", format!("/tasks/{id}/status")),
        ("GET", format!("/tasks/{id}/result")),
        ("DELETE", format!("/tasks/{id}")),
    ] {
        let res = ask(&app, method, &uri, "q-10").await;
        let doc = assert_problem(&res, StatusCode::NOT_FOUND, "q-10");
        assert_eq!(doc["task_id"], id.as_str(), "{method} {uri}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_query_parameters_are_400_problems() {
    let app = app();
    let id = submit_kind(&app, "whoami", "bad-1").await;
    for (uri, param) in [
        (format!("/tasks/{id}/result?timeout=soon"), "timeout"),
        (format!("/tasks/{id}/result?wait=perhaps"), "wait"),
        ("/tasks/?limit=-3".to_owned(), "limit"),
    ] {
        let res = ask(&app, "GET", &uri, "bad-q").await;
        let doc = assert_problem(&res, StatusCode::BAD_REQUEST, "bad-q");
        assert_eq!(doc["query"], param, "{uri}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_problems_with_details_only_when_exposed() {
    for expose in [false, true] {
        let app = app_with(
            Runner::builder()
                .expose_errors(expose)
                .listing(true)
                .build(),
        );
        let id = submit_kind(&app, "fail", "f-1").await;
        let res = ask(
            &app,
            "GET",
            &format!("/tasks/{id}/result?wait=true&timeout=30"),
            "f-2",
        )
        .await;
        let doc = assert_problem(&res, StatusCode::INTERNAL_SERVER_ERROR, "f-2");
        assert_eq!(doc["task_id"], id.as_str());
        assert_eq!(doc["task_status"], "failed");
        assert_eq!(doc["error"] == "disk full", expose, "{doc}");
        // The record shows the message under the same rule (the store
        // keeps it either way, for the logs).
        let record = ask(&app, "GET", &format!("/tasks/{id}"), "f-3")
            .await
            .json();
        assert_eq!(record["error"] == "disk full", expose, "{record}");
        assert_eq!(record["status"], "failed");
        let listed = ask(&app, "GET", "/tasks/?request_id=f-1", "f-4")
            .await
            .json();
        assert_eq!(
            listed["tasks"][0]["error"] == "disk full",
            expose,
            "{listed}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_task_fails_and_the_server_goes_on() {
    let app = app();
    let id = submit_kind(&app, "panic", "p-1").await;
    let record = finished(&**app.tasks.store(), &id).await;
    assert_eq!(record.status, TaskStatus::Failed);
    assert_eq!(
        record.error.as_deref(),
        Some("the task panicked: task exploded")
    );
    submit_kind(&app, "whoami", "p-2").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_stops_the_work_at_its_next_await() {
    let app = app();
    let id = submit_kind(&app, "count", "c-1").await;
    until_true("the task to count three steps", || {
        app.steps.count.load(Ordering::SeqCst) >= 3
    })
    .await;
    let res = ask(&app, "DELETE", &format!("/tasks/{id}"), "c-2").await;
    assert_eq!(res.json()["status"], "deleted");
    // The future is dropped (it cannot count any more) before its end.
    until_dropped(&app).await;
    assert!(app.steps.count.load(Ordering::SeqCst) < 2000);
    assert_eq!(app.tasks.running_here(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_keeps_the_record_as_cancelled() {
    let app = app();
    let id = submit_kind(&app, "count", "k-1").await;
    until_status(&app, &id, "running").await;
    let record = app.tasks.cancel(&id).await.unwrap().unwrap();
    assert_eq!(record.status, TaskStatus::Cancelled);
    assert!(record.completed_at.is_some());
    let res = ask(&app, "GET", &format!("/tasks/{id}/result"), "k-2").await;
    let doc = assert_problem(&res, StatusCode::CONFLICT, "k-2");
    assert_eq!(doc["task_status"], "cancelled");
    until_dropped(&app).await;
    // A finished task cannot be cancelled again, nor completed later.
    let again = app.tasks.cancel(&id).await.unwrap().unwrap();
    assert_eq!(again.completed_at, record.completed_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_evicts_the_oldest_finished_and_never_running_tasks() {
    let app = app_with(Runner::new(MemoryTaskStore::new().capacity(3)));
    let mut done = Vec::new();
    for i in 0..2 {
        let id = submit_kind(&app, "whoami", &format!("e-{i}")).await;
        assert_eq!(
            finished(&**app.tasks.store(), &id).await.status,
            TaskStatus::Completed
        );
        done.push(id);
    }
    let running = submit_kind(&app, "gated", "e-run").await;
    until_status(&app, &running, "running").await;
    // Full (3): the next submission evicts the oldest finished task only.
    let newest = submit_kind(&app, "gated", "e-3").await;
    let status = |id: String| {
        let router = app.router.clone();
        async move {
            send(&router, get_with(&format!("/tasks/{id}"), &[]))
                .await
                .status
        }
    };
    assert_eq!(status(done[0].clone()).await, 404);
    assert_eq!(status(done[1].clone()).await, 200);
    let next = submit_kind(&app, "gated", "e-4").await;
    assert_eq!(status(done[1].clone()).await, 404);
    // Now everything held is unfinished: no room, and nothing is dropped.
    let res = send(&app.router, with_id("POST", "/submit/gated", "e-5")).await;
    assert_problem(&res, StatusCode::SERVICE_UNAVAILABLE, "e-5");
    for id in [&running, &newest, &next] {
        assert_eq!(status(id.clone()).await, 200);
    }
    app.gate.0.add_permits(3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_records_expire_after_their_ttl_but_running_ones_stay() {
    let app = app_with(Runner::new(
        MemoryTaskStore::new().ttl(Duration::from_millis(100)),
    ));
    let finished = submit_kind(&app, "whoami", "t-1").await;
    let running = submit_kind(&app, "gated", "t-2").await;
    let store = app.tasks.store();
    common::task_app::finished(&**store, &finished).await;
    until_status(&app, &running, "running").await;
    let gone = |id: String| async move { store.get(&id).await.unwrap().is_none() };
    until("the finished record to expire", || gone(finished.clone())).await;
    // A record finished after this moment expires a TTL later: once it
    // has, the running task has outlived a TTL too.
    let later = submit_kind(&app, "whoami", "t-3").await;
    common::task_app::finished(&**store, &later).await;
    until("the later record to expire", || gone(later.clone())).await;
    assert_eq!(
        store.get(&running).await.unwrap().unwrap().status,
        TaskStatus::Running
    );
    app.gate.0.add_permits(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_submissions_each_keep_their_own_request_id() {
    let app = app();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..500 {
        let router = app.router.clone();
        set.spawn(async move {
            let id = format!("conc-{i}");
            let res = send(&router, with_id("POST", "/submit/whoami", &id)).await;
            assert_eq!(res.status, StatusCode::ACCEPTED);
            (id, res.json()["task_id"].as_str().unwrap().to_owned())
        });
    }
    let mut pairs = Vec::new();
    while let Some(pair) = set.join_next().await {
        pairs.push(pair.unwrap());
    }
    assert_eq!(pairs.len(), 500);
    let mut task_ids: Vec<_> = pairs.iter().map(|(_, t)| t.clone()).collect();
    task_ids.sort();
    task_ids.dedup();
    assert_eq!(task_ids.len(), 500, "task IDs must be distinct");
    for (request_id, task_id) in &pairs {
        let record = app
            .tasks
            .store()
            .wait(task_id, common::wait::PATIENCE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.request_id.as_ref().unwrap(), request_id.as_str());
        // What the task itself saw as the current request ID.
        assert_eq!(record.result, Some(json!(request_id)));
        let listed = app
            .tasks
            .store()
            .list(&qh::tasks::ListFilter::new(10).request_id(request_id.clone()))
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
    }
}

/// A client written against Python qh's task API: submit, follow
/// `Location`, poll `/status`, fetch `/result`. Nothing qh-rs specific.
async fn python_qh_client(router: &Router, submit_path: &str) -> serde_json::Value {
    let res = send(
        router,
        Request::post(submit_path).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(res.status, 202);
    let submitted = res.json();
    assert_eq!(submitted["status"], "submitted");
    let task_id = submitted["task_id"].as_str().unwrap();
    let location = res.headers["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("/tasks/{task_id}"));
    until("the task to finish", || async {
        let status = send(router, get_with(&format!("{location}/status"), &[]))
            .await
            .json();
        match status["status"].as_str().unwrap() {
            "completed" | "failed" => true,
            "pending" | "running" => false,
            other => panic!("unexpected status {other}"),
        }
    })
    .await;
    let res = send(router, get_with(&format!("{location}/result"), &[])).await;
    assert_eq!(res.status, 200);
    let body = res.json();
    assert_eq!(body["status"], "completed");
    assert_eq!(body["task_id"], task_id);
    body["result"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_qh_client_works_unchanged() {
    let app = app();
    let result = python_qh_client(&app.router, "/submit/whoami").await;
    // The task saw the ID the server gave the submitting request.
    assert!(common::is_uuid(result.as_str().unwrap(), 4), "{result}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_by_hand_serves_the_routes_without_a_tracking_layer() {
    let runner = Runner::default();
    let router = Router::new()
        .route(
            "/go",
            post(|tasks: CallerTasks| async move {
                tasks
                    .submit("go", async { Ok::<_, String>(7) })
                    .await
                    .map_err(|e| qh::Error::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))
            }),
        )
        .merge(qh::tasks::router())
        .layer(Extension(runner.clone()));
    let res = send(&router, Request::post("/go").body(Body::empty()).unwrap()).await;
    assert_eq!(res.status, 202);
    let task_id = res.json()["task_id"].as_str().unwrap().to_owned();
    assert!(runner.store().get(&task_id).await.unwrap().is_some());
    let res = send(
        &router,
        get_with(
            &format!("/tasks/{task_id}/result?wait=true&timeout=30"),
            &[],
        ),
    )
    .await;
    assert_eq!(res.json()["result"], 7);
    // No app-wide layer: the task routes still echo an ID.
    assert!(common::is_uuid(&res.echoed(), 4));
}
