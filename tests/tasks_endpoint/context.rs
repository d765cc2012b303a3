//! The submitting request's context in the background: its ID in the
//! function, under 500 concurrent submissions, and in its log lines.

use super::*;
use common::capture::{json_logs, Capture};

/// Logs from the background; used by the log test alone, so its callsite
/// is first seen under that test's subscriber (tracing caches interest
/// per callsite, and the other tests run with none).
#[qh::endpoint(task)]
async fn logged(n: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(5)).await;
    tracing::info!(n, "logging in the background");
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_function_runs_with_the_submitting_requests_context() {
    let tasks = Runner::default();
    let app = with_runner(qh::routes![whoami, square], &tasks);
    let task_id = submit(&app, "POST", "/whoami", "who-1", None).await;
    let res = wait_result(&app, &task_id).await;
    assert_eq!(res.json()["result"], "who-1", "{}", res.text());

    // A synchronous function too, on the blocking pool.
    let task_id = submit(&app, "POST", "/square", "sq-1", Some(r#"{"n":12}"#)).await;
    let res = wait_result(&app, &task_id).await;
    assert_eq!(
        res.json()["result"],
        json!({"square": 144, "seen_id": "sq-1"}),
        "{}",
        res.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_concurrent_submissions_each_keep_their_request_id() {
    let tasks = Runner::builder().listing(true).build();
    let app = with_runner(qh::routes![whoami], &tasks);
    let mut handles = Vec::new();
    for i in 0..500 {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            let id = format!("conc-{i}");
            let res = send(&app, request("POST", "/whoami", &id, None)).await;
            assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
            assert_eq!(res.json()["request_id"], id.as_str());
            (id, res.json()["task_id"].as_str().unwrap().to_owned())
        }));
    }
    let mut pairs = Vec::new();
    for handle in handles {
        pairs.push(handle.await.unwrap());
    }
    let distinct: std::collections::HashSet<_> = pairs.iter().map(|(_, t)| t.clone()).collect();
    assert_eq!(distinct.len(), 500, "task IDs must be distinct");
    for (id, task_id) in &pairs {
        let res = wait_result(&app, task_id).await;
        assert_eq!(res.json()["result"], id.as_str(), "{}", res.text());
        let uri = format!("/tasks/?request_id={id}");
        let listed = send(&app, request("GET", &uri, "l", None)).await.json();
        let listed = listed["tasks"].as_array().unwrap().clone();
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0]["task_id"], task_id.as_str());
        assert_eq!(listed[0]["request_id"], id.as_str());
    }
}

// One thread: the subscriber set for this test sees the spawned task too.
#[tokio::test(flavor = "current_thread")]
async fn the_functions_log_lines_carry_the_request_id() {
    let capture = Capture::default();
    let _logs = json_logs(&capture);

    let tasks = Runner::default();
    let app = with_runner(qh::routes![logged], &tasks);
    let task_id = submit(&app, "POST", "/logged", "log-7", Some(r#"{"n":3}"#)).await;
    assert_eq!(wait_result(&app, &task_id).await.json()["result"], 3);

    let lines = capture.lines();
    let line = lines
        .iter()
        .find(|l| l["fields"]["message"] == "logging in the background")
        .unwrap_or_else(|| panic!("the function's line is missing: {lines:?}"));
    assert_eq!(line["request_id"], "log-7", "{line}");
}
