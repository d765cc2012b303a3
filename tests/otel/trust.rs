//! Trust covers the trace: through a real server on 127.0.0.1 with its
//! connection info, an untrusted peer's `traceparent` starts a new trace
//! whose request span links to it, and its `tracestate` goes no further; a
//! trusted peer's trace is continued.

use std::net::SocketAddr;

use axum::extract::Extension;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use opentelemetry::trace::{SpanId, TraceId};
use qh::Trust;
use serde_json::Value;

use crate::in_memory::{attr, Capture};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    addr
}

/// A server answering with the headers it received.
async fn echo() -> SocketAddr {
    async fn headers(headers: HeaderMap) -> Json<Value> {
        Json(
            headers
                .iter()
                .map(|(k, v)| (k.to_string(), Value::from(v.to_str().unwrap_or("?"))))
                .collect(),
        )
    }
    serve(Router::new().route("/", get(headers))).await
}

/// The service under test: `/call` calls the echo server through
/// `Propagate` and answers with what it received.
async fn service(trust: Trust) -> SocketAddr {
    async fn call(Extension(echo): Extension<SocketAddr>) -> Json<Value> {
        let client = qh::propagation::Propagate::client(reqwest::Client::new());
        let res = client.get(format!("http://{echo}/")).send().await.unwrap();
        Json(serde_json::from_str(&res.text().await.unwrap()).unwrap())
    }
    let echo = echo().await;
    serve(
        Router::new()
            .route("/call", get(call))
            .layer(Extension(echo))
            .layer(qh::Tracking::new().trust_incoming(trust)),
    )
    .await
}

/// What the echo server received when `/call` was asked with a sampled
/// `traceparent` and a `tracestate`.
async fn forwarded(service: SocketAddr) -> Value {
    reqwest::Client::new()
        .get(format!("http://{service}/call"))
        .header("traceparent", format!("00-{TRACE_ID}-{PARENT_ID}-01"))
        .header("tracestate", "rojo=00f067aa0ba902b7")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap()
}

// One thread: the servers' tasks run where the capture's subscriber is the
// default.
#[tokio::test]
async fn an_untrusted_peer_starts_a_new_trace_linked_to_its_own() {
    let capture = Capture::start();
    let service = service(Trust::peers(["10.0.0.0/8"]).unwrap()).await;
    let out = forwarded(service).await;

    let request = capture.span("GET /call");
    let incoming = TraceId::from_hex(TRACE_ID).unwrap();
    assert_ne!(request.span_context.trace_id(), incoming);
    assert_eq!(request.parent_span_id, SpanId::INVALID, "a new root");
    let links = &request.links.links;
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(links[0].span_context.trace_id(), incoming);
    assert_eq!(
        links[0].span_context.span_id(),
        SpanId::from_hex(PARENT_ID).unwrap()
    );
    assert_eq!(attr(&request, "tracestate"), None);

    // Downstream: the new trace, and no tracestate.
    let tp = out["traceparent"].as_str().unwrap();
    assert!(!tp.contains(TRACE_ID), "{tp}");
    assert!(
        tp.contains(&request.span_context.trace_id().to_string()),
        "{tp}"
    );
    assert!(out.get("tracestate").is_none(), "{out}");
}

#[tokio::test]
async fn a_trusted_peer_s_trace_is_continued() {
    let capture = Capture::start();
    let service = service(Trust::peers(["127.0.0.1"]).unwrap()).await;
    let out = forwarded(service).await;

    let request = capture.span("GET /call");
    assert_eq!(
        request.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    assert_eq!(request.parent_span_id, SpanId::from_hex(PARENT_ID).unwrap());
    assert!(request.links.links.is_empty());
    let tp = out["traceparent"].as_str().unwrap();
    assert!(tp.starts_with(&format!("00-{TRACE_ID}-")), "{tp}");
    assert_eq!(out["tracestate"], "rojo=00f067aa0ba902b7");
}

/// Traces trusted apart from IDs: the CDN's trace is continued, its
/// request ID replaced.
#[tokio::test]
async fn traces_can_be_trusted_apart_from_ids() {
    let capture = Capture::start();
    let echo = echo().await;
    async fn call(Extension(echo): Extension<SocketAddr>) -> Json<Value> {
        let client = qh::propagation::Propagate::client(reqwest::Client::new());
        let res = client.get(format!("http://{echo}/")).send().await.unwrap();
        Json(serde_json::from_str(&res.text().await.unwrap()).unwrap())
    }
    let service = serve(
        Router::new()
            .route("/call", get(call))
            .layer(Extension(echo))
            .layer(
                qh::Tracking::new()
                    .trust_incoming(false)
                    .trust_traces(Trust::peers(["127.0.0.0/8"]).unwrap()),
            ),
    )
    .await;
    let res = reqwest::Client::new()
        .get(format!("http://{service}/call"))
        .header("traceparent", format!("00-{TRACE_ID}-{PARENT_ID}-01"))
        .header("x-request-id", "cdn-chosen")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "cdn-chosen");
    let out: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_ne!(out["x-request-id"], "cdn-chosen");
    let request = capture.span("GET /call");
    assert_eq!(
        request.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    assert!(out["traceparent"].as_str().unwrap().contains(TRACE_ID));
}
