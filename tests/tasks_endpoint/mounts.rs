//! The `/tasks` routes: mounted once with any task endpoint, absent
//! without, mergeable, and served by the router's own memory runner
//! without an `Extension`.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_routes_are_mounted_once_for_two_task_endpoints_and_absent_without() {
    let tasks = Runner::builder().listing(true).build();
    // Two task endpoints in one `routes!`: one mount, no overlap panic.
    let app = with_runner(qh::routes![slow_add, whoami, plain], &tasks);
    let task_id = submit(&app, "POST", "/whoami", "two-1", None).await;
    assert_eq!(wait_result(&app, &task_id).await.json()["result"], "two-1");
    let res = send(&app, request("GET", "/tasks", "l", None)).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(res.headers["allow"], "GET,HEAD");
    // Other methods on a task route: a 405 problem with `Allow`.
    let res = send(
        &app,
        request("POST", &format!("/tasks/{task_id}"), "m", None),
    )
    .await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.content_type(), "application/problem+json");
    assert_eq!(res.json()["request_id"], "m");
    let allow = res.headers["allow"].to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("DELETE"), "{allow}");

    // Without task endpoints, no `/tasks`.
    let app = with_runner(qh::routes![plain], &tasks);
    for uri in ["/tasks", "/tasks/", &format!("/tasks/{task_id}/status")] {
        let res = send(&app, request("GET", uri, "none", None)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routers_that_both_bring_the_tasks_routes_merge() {
    let tasks = Runner::builder().listing(true).build();
    // Both bring `/tasks`; axum would panic on overlapping routes.
    let merged = qh::routes![slow_add]
        .merge(qh::routes![whoami])
        .merge(qh::tasks::router());
    let app = with_runner(merged, &tasks);
    let a = submit(&app, "POST", "/slow_add", "m-1", Some(r#"{"a":1,"b":1}"#)).await;
    let b = submit(&app, "POST", "/whoami", "m-2", None).await;
    assert_eq!(wait_result(&app, &a).await.json()["result"], 2);
    assert_eq!(wait_result(&app, &b).await.json()["result"], "m-2");

    // Nested under a prefix, with the user's own route on `/tasks` kept.
    let own = Router::new().route("/tasks", axum::routing::post(|| async { "mine" }));
    let app = with_runner(own.merge(qh::routes![whoami]), &tasks);
    let res = send(&app, request("POST", "/tasks", "own", None)).await;
    assert_eq!((res.status, res.text()), (StatusCode::OK, "mine"));
    let res = send(&app, request("GET", "/tasks", "own", None)).await;
    assert_eq!(res.status, 200, "{}", res.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_extension_the_routers_own_runner_serves() {
    let app = qh::routes![whoami].layer(qh::Tracking::new());
    let task_id = submit(&app, "POST", "/whoami", "global-1", None).await;
    assert_eq!(
        wait_result(&app, &task_id).await.json()["result"],
        "global-1"
    );
    // The runner is that router's: another `routes!` has its own.
    let uri = format!("/tasks/{task_id}");
    assert_eq!(
        send(&app, request("GET", &uri, "g", None)).await.status,
        200
    );
    let other = qh::routes![whoami].layer(qh::Tracking::new());
    let res = send(&other, request("GET", &uri, "g", None)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // Without any Tracking layer either: the endpoint resolves the ID itself.
    let app = qh::routes![whoami];
    let task_id = submit(&app, "POST", "/whoami", "bare-1", None).await;
    assert_eq!(wait_result(&app, &task_id).await.json()["result"], "bare-1");
}
