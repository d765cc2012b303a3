//! The per-request `tracing` span: every line of a request, including its
//! spawned work, runs in it; its route, status and latency; one span per
//! request; its level and the access log.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use common::capture::Capture;
use tower::ServiceExt;

#[qh::endpoint]
async fn work(job: String) -> &'static str {
    tracing::info!(%job, "started");
    let done = qh::spawn(async move {
        tokio::time::sleep(Duration::from_millis(5)).await;
        tracing::info!("background step");
    });
    let _ = done.await;
    "ok"
}

async fn lines_for(app: axum::Router, id: Option<&str>) -> (String, Vec<serde_json::Value>) {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut req = Request::post("/work").header("content-type", "application/json");
    if let Some(id) = id {
        req = req.header("x-request-id", id);
    }
    let res = app
        .oneshot(req.body(Body::from(r#"{"job":"j1"}"#)).unwrap())
        .await
        .unwrap();
    let echoed = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    (echoed, capture.lines())
}

fn assert_all_carry(lines: &[serde_json::Value], id: &str) {
    assert!(lines.len() >= 2, "{lines:?}");
    for line in lines {
        assert_eq!(line["span"]["request_id"], id, "{line}");
    }
    let messages: Vec<_> = lines
        .iter()
        .map(|l| l["fields"]["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.contains(&"started") && messages.contains(&"background step"),
        "{messages:?}"
    );
}

#[tokio::test]
async fn endpoint_logs_carry_the_id() {
    let (echoed, lines) = lines_for(qh::routes![work], Some("log-1")).await;
    assert_eq!(echoed, "log-1");
    assert_all_carry(&lines, "log-1");
}

#[tokio::test]
async fn layer_logs_carry_the_generated_id() {
    let (echoed, lines) = lines_for(qh::routes![work].layer(qh::Tracking::new()), None).await;
    assert_all_carry(&lines, &echoed);
}

#[tokio::test]
async fn untrusted_client_ids_are_logged_beside_the_servers() {
    let app = qh::routes![work].layer(qh::Tracking::new().trust_incoming(false));
    let (echoed, lines) = lines_for(app, Some("client-7")).await;
    assert_ne!(echoed, "client-7");
    assert_all_carry(&lines, &echoed);
    for line in &lines {
        assert_eq!(line["span"]["client_request_id"], "client-7", "{line}");
    }
}

#[qh::endpoint(method = "GET", path = "/items/{*rest}")]
fn items(rest: String) -> usize {
    tracing::info!("listing");
    rest.len()
}

async fn capture_lines(app: axum::Router, req: Request<Body>) -> Vec<serde_json::Value> {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(true)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let res = app.oneshot(req).await.unwrap();
    drop(res);
    capture.lines()
}

#[tokio::test]
async fn the_span_records_the_route_template_not_the_raw_path() {
    let path = format!("/items/{}", "p".repeat(65_000));
    for app in [
        qh::routes![items],
        qh::routes![items].layer(qh::Tracking::new()),
    ] {
        let req = Request::get(path.as_str()).body(Body::empty()).unwrap();
        let lines = capture_lines(app, req).await;
        assert!(!lines.is_empty());
        for line in &lines {
            assert!(
                line.to_string().len() < 2_048,
                "{} bytes",
                line.to_string().len()
            );
            assert_eq!(line["span"]["route"], "/items/{*rest}", "{line}");
        }
    }
}

#[tokio::test]
async fn nested_layers_make_one_span_with_status_and_latency() {
    let app = qh::routes![items]
        .layer(qh::Tracking::new())
        .layer(qh::Tracking::new());
    let req = Request::get("/items/a")
        .header("x-request-id", "n-1")
        .body(Body::empty())
        .unwrap();
    let lines = capture_lines(app, req).await;
    for line in &lines {
        let spans = line["spans"].as_array().cloned().unwrap_or_default();
        let requests = spans.iter().filter(|s| s["name"] == "request").count();
        assert!(requests <= 1, "{line}");
    }
    let closes: Vec<_> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "close")
        .collect();
    assert_eq!(closes.len(), 1, "{lines:?}");
    assert_eq!(closes[0]["span"]["status"], 200);
    assert!(closes[0]["span"]["latency_ms"].is_number(), "{}", closes[0]);
    assert_eq!(closes[0]["span"]["request_id"], "n-1");
}

#[tokio::test]
async fn the_span_level_and_the_access_log_are_configurable() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_current_span(true)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = qh::routes![items].layer(
        qh::Tracking::new()
            .span_level(tracing::Level::DEBUG)
            .access_log(true),
    );
    let req = Request::get("/items/abc")
        .header("x-request-id", "acc-1")
        .body(Body::empty())
        .unwrap();
    let res = app.oneshot(req).await.unwrap();
    assert_eq!(res.status(), 200);
    // The access line is written when the body has been sent.
    axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    let lines = capture.lines();
    // The DEBUG span is skipped under an INFO subscriber.
    assert!(lines.iter().all(|l| l.get("span").is_none()), "{lines:?}");
    let access: Vec<_> = lines
        .iter()
        .filter(|l| l["target"] == "qh::access")
        .collect();
    assert_eq!(access.len(), 1, "{lines:?}");
    let fields = &access[0]["fields"];
    assert_eq!(fields["request_id"], "acc-1");
    assert_eq!(fields["route"], "/items/{*rest}");
    assert_eq!(fields["status"], 200);
    assert!(fields["latency_ms"].is_number());
}
