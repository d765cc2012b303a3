//! Every log line of a request, including its spawned work, carries the
//! request's ID (through the per-request `tracing` span).

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

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
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (echoed, lines)
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
