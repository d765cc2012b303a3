//! Who sees which task: the listing off by default, and with an owner hook
//! every `/tasks` route scoped to the caller's own tasks (another's answer
//! exactly as an unknown one), ownerless submissions refused with 401, the
//! `request_id=` filter no way into another's tasks, and deletions logged.
//! Through the hand-written submitting handler and `qh::routes!`.

mod common;

use axum::http::StatusCode;
use axum::Extension;
use common::capture::{json_logs, Capture};
use common::task_app::{app_with, assert_problem, finished, until_status, App};
use common::{send, Answer};
use qh::tasks::{ListFilter, Runner, RunnerBuilder, TaskStatus};
use serde_json::{json, Value};

/// The caller named by `X-User` (what an auth layer's verified identity
/// would be; a header keeps the tests short).
fn by_user(builder: RunnerBuilder) -> Runner {
    builder
        .owner(|parts| {
            parts
                .headers
                .get("x-user")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .build()
}

fn request(
    method: &str,
    uri: &str,
    id: &str,
    user: Option<&str>,
) -> axum::http::Request<axum::body::Body> {
    let mut req = axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header("x-request-id", id);
    if let Some(user) = user {
        req = req.header("x-user", user);
    }
    req.body(axum::body::Body::empty()).unwrap()
}

async fn as_user(app: &App, method: &str, uri: &str, id: &str, user: Option<&str>) -> Answer {
    let res = send(&app.router, request(method, uri, id, user)).await;
    assert_eq!(res.echoed(), id, "{method} {uri}");
    res
}

async fn submit_as(app: &App, kind: &str, id: &str, user: &str) -> String {
    let res = as_user(app, "POST", &format!("/submit/{kind}"), id, Some(user)).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    res.json()["task_id"].as_str().unwrap().to_owned()
}

/// A 404 problem's document without what differs between two asks (the
/// asking request's ID, the task ID repeated from the path).
fn shape(res: &Answer, asking: &str, task_id: &str) -> Value {
    let mut doc = assert_problem(res, StatusCode::NOT_FOUND, asking);
    assert_eq!(doc["task_id"], task_id, "{doc}");
    let map = doc.as_object_mut().unwrap();
    map.remove("request_id");
    map.remove("task_id");
    let mut names: Vec<_> = res.headers.keys().map(|k| k.as_str().to_owned()).collect();
    names.sort();
    json!({"doc": doc, "headers": names})
}

fn all() -> ListFilter {
    ListFilter::new(100)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listing_is_off_unless_turned_on() {
    let app = app_with(Runner::default());
    let id = submit_as(&app, "whoami", "sub-1", "ada").await;
    for uri in [
        "/tasks/",
        "/tasks",
        "/tasks/?request_id=sub-1",
        "/tasks?limit=1",
    ] {
        let res = as_user(&app, "GET", uri, "lister", None).await;
        let doc = assert_problem(&res, StatusCode::NOT_FOUND, "lister");
        assert_eq!(doc["type"], "urn:qh:problem:task-listing-off", "{uri}");
        assert!(!res.text().contains(&id), "{uri}: {}", res.text());
    }
    // The task itself is served to whoever has its ID (no hook).
    let res = as_user(
        &app,
        "GET",
        &format!("/tasks/{id}/result?wait=1&timeout=5"),
        "r",
        None,
    )
    .await;
    assert_eq!(res.json()["result"], "sub-1");

    let app = app_with(Runner::builder().listing(true).build());
    let id = submit_as(&app, "whoami", "sub-2", "ada").await;
    let res = as_user(&app, "GET", "/tasks/", "lister", None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["tasks"][0]["task_id"], id.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_owners_task_answers_as_an_unknown_one_on_every_route() {
    let app = app_with(by_user(Runner::builder()));
    // Running (gated) while asked: a wait for it would block if allowed.
    let id = submit_as(&app, "gated", "ada-1", "ada").await;
    until_owner_sees(&app, &id).await;
    let unknown = "00000000-0000-4000-8000-000000000000";

    let routes = |task: &str| {
        [
            ("GET", format!("/tasks/{task}")),
            ("HEAD", format!("/tasks/{task}")),
            ("GET", format!("/tasks/{task}/status")),
            ("GET", format!("/tasks/{task}/result")),
            ("GET", format!("/tasks/{task}/result?wait=true&timeout=30")),
            ("DELETE", format!("/tasks/{task}")),
        ]
    };
    for ((method, theirs), (_, none)) in routes(&id).into_iter().zip(routes(unknown)) {
        for user in [Some("bob"), Some("ad"), Some("ada "), None] {
            let other = as_user(&app, method, &theirs, "bob-1", user).await;
            let absent = as_user(&app, method, &none, "bob-2", user).await;
            if method == "HEAD" {
                assert_eq!(
                    (other.status, absent.status),
                    (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
                );
                assert!(other.body.is_empty());
                continue;
            }
            assert_eq!(
                shape(&other, "bob-1", &id),
                shape(&absent, "bob-2", unknown),
                "{method} {theirs} as {user:?}"
            );
        }
    }
    // Nothing of bob's asking reached the task: still running, still there.
    let record = app.tasks.store().get(&id).await.unwrap().unwrap();
    assert_eq!(record.status, TaskStatus::Running);
    assert_eq!(app.tasks.waiting(), 0);

    // Its owner sees it all, and never the owner's name.
    let res = as_user(&app, "GET", &format!("/tasks/{id}"), "ada-2", Some("ada")).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["request_id"], "ada-1");
    assert!(res.json().get("owner").is_none(), "{}", res.text());
    assert!(!res.text().contains("\"ada\""), "{}", res.text());
    app.gate.0.add_permits(1);
    let res = as_user(
        &app,
        "GET",
        &format!("/tasks/{id}/result?wait=true&timeout=5"),
        "ada-3",
        Some("ada"),
    )
    .await;
    assert_eq!(
        res.json(),
        json!({"task_id": id, "status": "completed", "result": {"answer": 42}})
    );
    let res = as_user(
        &app,
        "GET",
        &format!("/tasks/{id}/status"),
        "ada-4",
        Some("ada"),
    )
    .await;
    assert_eq!(res.json()["status"], "completed");
    let res = as_user(
        &app,
        "DELETE",
        &format!("/tasks/{id}"),
        "ada-5",
        Some("ada"),
    )
    .await;
    assert_eq!(res.json(), json!({"task_id": id, "status": "deleted"}));
    assert!(app.tasks.store().get(&id).await.unwrap().is_none());
}

/// Bounded: the task's owner sees it running.
async fn until_owner_sees(app: &App, task_id: &str) {
    for _ in 0..500 {
        let res = as_user(
            app,
            "GET",
            &format!("/tasks/{task_id}/status"),
            "poll",
            Some("ada"),
        )
        .await;
        if res.json()["status"] == "running" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("task {task_id} never ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listing_lists_the_callers_own_and_the_request_id_filter_stays_within_them() {
    let app = app_with(by_user(Runner::builder()));
    let victims = submit_as(&app, "whoami", "victim-1", "ada").await;
    let older = submit_as(&app, "whoami", "ada-2", "ada").await;
    // Mallory sends the victim's request ID as her own (trusted by default).
    let spoofed = submit_as(&app, "whoami", "victim-1", "mallory").await;

    let listed = |res: Answer| -> Vec<String> {
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["task_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let mallory = listed(
        as_user(
            &app,
            "GET",
            "/tasks/?request_id=victim-1",
            "m-1",
            Some("mallory"),
        )
        .await,
    );
    assert_eq!(mallory, std::slice::from_ref(&spoofed));
    assert_eq!(
        listed(as_user(&app, "GET", "/tasks/", "m-2", Some("mallory")).await),
        std::slice::from_ref(&spoofed)
    );
    let ada = listed(
        as_user(
            &app,
            "GET",
            "/tasks/?request_id=victim-1",
            "a-1",
            Some("ada"),
        )
        .await,
    );
    assert_eq!(ada, std::slice::from_ref(&victims));
    let mut every = listed(as_user(&app, "GET", "/tasks/", "a-2", Some("ada")).await);
    every.sort();
    let mut want = vec![victims, older];
    want.sort();
    assert_eq!(every, want);
    // No owner, no tasks (and no 404: the listing is served with a hook).
    assert!(listed(as_user(&app, "GET", "/tasks/", "anon", None).await).is_empty());
    assert!(
        listed(as_user(&app, "GET", "/tasks/?request_id=victim-1", "anon", None).await).is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_without_an_owner_is_refused_with_401_and_runs_nothing() {
    let app = app_with(by_user(Runner::builder()));
    for user in [None, Some("")] {
        let res = as_user(&app, "POST", "/submit/count", "anon-1", user).await;
        let doc = assert_problem(&res, StatusCode::UNAUTHORIZED, "anon-1");
        assert_eq!(doc["type"], "urn:qh:problem:task-owner-missing");
    }
    assert!(app.tasks.store().list(&all()).await.unwrap().is_empty());
    assert_eq!(app.tasks.running_here(), 0);
    assert_eq!(app.steps.count.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_submitted_outside_a_request_is_shown_to_no_one() {
    let app = app_with(by_user(Runner::builder()));
    // The app's own handle, not made for a request: no owner.
    let submitted = app
        .tasks
        .submit("nightly", async { Ok::<_, String>(1) })
        .await
        .unwrap();
    let id = submitted.task_id;
    let record = finished(&**app.tasks.store(), &id).await;
    assert_eq!((record.status, record.owner), (TaskStatus::Completed, None));
    // The app's runner inside a request (as `Extension<Runner>` would give
    // it): still no owner, and a warning says why no one sees the task.
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = qh::logs::json()
        .filter("warn")
        .writer(move || writer.clone())
        .finish();
    let inside = {
        let _guard = tracing::subscriber::set_default(subscriber);
        qh::context::Context::new(qh::RequestId::from_static("inside-1"))
            .scope(app.tasks.submit("by_hand", async { Ok::<_, String>(2) }))
            .await
            .unwrap()
            .task_id
    };
    assert_eq!(finished(&**app.tasks.store(), &inside).await.owner, None);
    let warned = capture.lines();
    assert_eq!(warned.len(), 1, "{warned:#?}");
    assert!(warned[0]["fields"]["message"]
        .as_str()
        .unwrap()
        .contains("no owner"));
    assert_eq!(warned[0]["request_id"], "inside-1");
    for user in [Some("ada"), None] {
        let res = as_user(&app, "GET", &format!("/tasks/{id}"), "look", user).await;
        assert_problem(&res, StatusCode::NOT_FOUND, "look");
        let res = as_user(&app, "GET", "/tasks/", "look", user).await;
        assert_eq!(res.json(), json!({"tasks": []}));
    }
}

#[qh::endpoint(task)]
async fn report(n: u32) -> u32 {
    n * 2
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_endpoints_record_the_owner_and_refuse_an_anonymous_caller() {
    let tasks = by_user(Runner::builder());
    let app = qh::routes![report]
        .layer(Extension(tasks.clone()))
        .layer(qh::Tracking::new());
    let post = |id: &str, user: Option<&str>| {
        let mut req = axum::http::Request::post("/report")
            .header("content-type", "application/json")
            .header("x-request-id", id);
        if let Some(user) = user {
            req = req.header("x-user", user);
        }
        req.body(axum::body::Body::from(r#"{"n":21}"#)).unwrap()
    };
    let res = send(&app, post("rep-1", None)).await;
    assert_problem(&res, StatusCode::UNAUTHORIZED, "rep-1");
    assert!(tasks.store().list(&all()).await.unwrap().is_empty());

    let res = send(&app, post("rep-2", Some("ada"))).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    let id = res.json()["task_id"].as_str().unwrap().to_owned();
    assert_eq!(
        finished(&**tasks.store(), &id).await.owner.as_deref(),
        Some("ada")
    );
    let uri = format!("/tasks/{id}/result");
    let res = send(&app, request("GET", &uri, "rep-3", Some("ada"))).await;
    assert_eq!(res.json()["result"], 42);
    let res = send(&app, request("GET", &uri, "rep-4", Some("bob"))).await;
    assert_problem(&res, StatusCode::NOT_FOUND, "rep-4");
}

#[tokio::test(flavor = "current_thread")]
async fn a_deletion_is_logged_with_the_task_and_the_deleting_request() {
    let capture = Capture::default();
    let _logs = json_logs(&capture);
    let app = app_with(Runner::default());
    let id = submit_as(&app, "count", "submitter-1", "ada").await;
    until_status(&app, &id, "running").await;
    capture.take();

    let res = as_user(&app, "DELETE", &format!("/tasks/{id}"), "deleter-9", None).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let lines = capture.take();
    let deleted: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "task deleted")
        .collect();
    assert_eq!(deleted.len(), 1, "{lines:#?}");
    let line = deleted[0];
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["request_id"], "deleter-9", "{line}");
    assert_eq!(line["fields"]["task_id"], id.as_str());
    assert_eq!(line["fields"]["endpoint"], "count");
    assert_eq!(line["fields"]["status"], "cancelled");
    assert_eq!(line["fields"]["task_request_id"], "submitter-1");

    // An unknown task's deletion deletes nothing and logs nothing.
    let res = as_user(&app, "DELETE", &format!("/tasks/{id}"), "deleter-10", None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(capture
        .take()
        .iter()
        .all(|l| l["fields"]["message"] != "task deleted"));
}
