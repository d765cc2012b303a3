//! With a filter that drops qh's own `request` span (target `qh_runtime`),
//! `qh::logs` still puts the request's ID on every line logged inside the
//! request: from endpoints, functions they call, `qh::spawn`ed work and
//! plain axum handlers; lines outside a request carry none.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use serde_json::Value;
use tower::ServiceExt;

mod common;

use common::capture::Capture;

fn charge(order: u64) {
    tracing::info!(order, "charging card");
    // Below the app's level: filtered out, never written.
    tracing::debug!("card details");
}

#[qh::endpoint]
async fn place(order: u64) -> &'static str {
    tracing::info!(order, "placing order");
    charge(order);
    let mail = qh::spawn(async move {
        tokio::time::sleep(Duration::from_millis(2)).await;
        tracing::info!(order, "confirmation mailed");
        tracing::warn!("mail server slow");
    });
    let _ = mail.await;
    "placed"
}

#[qh::endpoint(method = "GET", path = "/fail")]
fn fail() -> Result<(), qh::Error> {
    tracing::error!("cannot do that");
    Err(qh::Error::new(axum::http::StatusCode::CONFLICT, "conflict"))
}

/// Opened by the test once it has the response of `/later`.
static AFTER_THE_RESPONSE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(0);

#[qh::endpoint(method = "GET", path = "/later")]
fn later() -> &'static str {
    // Not awaited: the line is written after the response has gone.
    drop(qh::spawn(async {
        let _ = AFTER_THE_RESPONSE.acquire().await;
        tracing::info!("written after the response");
    }));
    "later"
}

async fn plain() -> &'static str {
    tracing::info!("plain handler");
    "plain"
}

fn app() -> axum::Router {
    qh::routes![place, fail, later]
        .route("/plain", get(plain))
        .layer(qh::Tracking::new())
}

fn subscriber(filter: &str, out: &Capture) -> qh::logs::JsonSubscriber<impl Fn() -> Capture> {
    let writer = out.clone();
    qh::logs::json()
        .filter(filter)
        .writer(move || writer.clone())
        .finish()
}

async fn call(app: &axum::Router, req: Request<Body>) -> String {
    let res = app.clone().oneshot(req).await.unwrap();
    res.headers()["x-request-id"].to_str().unwrap().to_owned()
}

fn messages(lines: &[Value]) -> Vec<&str> {
    lines
        .iter()
        .map(|l| l["fields"]["message"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn every_line_inside_a_request_carries_its_id_under_a_filter() {
    let out = Capture::default();
    let _guard = tracing::subscriber::set_default(subscriber("warn,logs_filtered=info", &out));
    let app = app();

    tracing::info!("starting");
    let sent = call(
        &app,
        Request::post("/place")
            .header("content-type", "application/json")
            .header("x-request-id", "order-77")
            .body(Body::from(r#"{"order":77}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(sent, "order-77");
    let generated = call(&app, Request::get("/plain").body(Body::empty()).unwrap()).await;
    let failed = call(&app, Request::get("/fail").body(Body::empty()).unwrap()).await;
    tracing::info!("stopping");

    let lines = out.lines();
    assert_eq!(
        messages(&lines),
        [
            "starting",
            "placing order",
            "charging card",
            "confirmation mailed",
            "mail server slow",
            "plain handler",
            "cannot do that",
            "stopping",
        ]
    );
    let (outside, inside) = lines.iter().partition::<Vec<_>, _>(|l| {
        ["starting", "stopping"].contains(&l["fields"]["message"].as_str().unwrap())
    });
    for line in outside {
        assert!(line.get("request_id").is_none(), "{line}");
    }
    for line in &inside[..4] {
        assert_eq!(line["request_id"], "order-77", "{line}");
    }
    assert_eq!(inside[4]["request_id"], generated.as_str());
    assert_eq!(inside[5]["request_id"], failed.as_str());
    assert_ne!(generated, failed);
    // The filter really did drop qh's request span: no line has it.
    for line in &lines {
        assert!(line.get("spans").is_none(), "{line}");
        assert_ne!(line["target"], "qh_runtime", "{line}");
    }
}

#[tokio::test]
async fn untrusted_client_ids_are_logged_beside_the_servers() {
    let out = Capture::default();
    let _guard = tracing::subscriber::set_default(subscriber("warn,logs_filtered=info", &out));
    let app = qh::routes![place].layer(qh::Tracking::new().trust_incoming(false));
    let id = call(
        &app,
        Request::post("/place")
            .header("content-type", "application/json")
            .header("x-request-id", "client-5")
            .body(Body::from(r#"{"order":5}"#))
            .unwrap(),
    )
    .await;
    assert_ne!(id, "client-5");
    let lines = out.lines();
    assert_eq!(lines.len(), 4);
    for line in &lines {
        assert_eq!(line["request_id"], id.as_str(), "{line}");
        assert_eq!(line["client_request_id"], "client-5", "{line}");
    }
}

#[tokio::test]
async fn with_qh_spans_enabled_lines_carry_the_id_and_the_span() {
    let out = Capture::default();
    let _guard = tracing::subscriber::set_default(subscriber("info", &out));
    let id = call(&app(), Request::get("/plain").body(Body::empty()).unwrap()).await;
    let lines = out.lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["request_id"], id.as_str());
    assert_eq!(lines[0]["span"]["name"], "request");
    assert_eq!(lines[0]["span"]["request_id"], id.as_str());
}

// One thread: the subscriber set for this test sees the spawned task too.
#[tokio::test(flavor = "current_thread")]
async fn a_line_written_after_the_response_has_gone_carries_the_id() {
    let out = Capture::default();
    let _guard = tracing::subscriber::set_default(subscriber("warn,logs_filtered=info", &out));
    let id = call(&app(), Request::get("/later").body(Body::empty()).unwrap()).await;
    assert!(out.lines().is_empty(), "{:?}", out.lines());
    AFTER_THE_RESPONSE.add_permits(1);
    common::wait::until_true("the spawned task's line", || !out.lines().is_empty()).await;
    let lines = out.lines();
    assert_eq!(messages(&lines), ["written after the response"]);
    assert_eq!(lines[0]["request_id"], id.as_str(), "{}", lines[0]);
}
