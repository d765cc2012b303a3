//! Two subscribers in one process, one with the OpenTelemetry layer and one
//! without: each request behaves as its own subscriber says, whichever ran
//! first. Nothing is registered per process: the layer is found in the
//! subscriber a request runs under.

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use serde_json::Value;
use tower::ServiceExt;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt;

use crate::capture::Capture;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

/// Logs a line and answers what an outbound call made here would carry.
#[qh::endpoint(method = "GET", path = "/call")]
fn call() -> String {
    tracing::info!("calling the next service");
    qh::propagation::headers()["traceparent"]
        .to_str()
        .unwrap()
        .to_owned()
}

fn app() -> Router {
    qh::routes![call].layer(qh::Tracking::new())
}

/// What one request under `dispatch` gave: the `traceparent` it would send
/// on, and its log lines (qh's JSON, spans listed).
async fn request_under(dispatch: &Dispatch, logs: &Capture, id: &str) -> (String, Vec<Value>) {
    let req = Request::get("/call")
        .header("traceparent", format!("00-{TRACE_ID}-{PARENT_ID}-01"))
        .header("x-request-id", id)
        .body(Body::empty())
        .unwrap();
    let res = {
        // oneshot polls the app on this thread, where the subscriber is set.
        let _default = tracing::dispatcher::set_default(dispatch);
        let res = app().oneshot(req).await.unwrap();
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        serde_json::from_slice::<String>(&body).unwrap()
    };
    (res, logs.take())
}

fn parts(traceparent: &str) -> (String, String) {
    let mut parts = traceparent.split('-');
    let trace = parts.nth(1).unwrap().to_owned();
    let parent = parts.next().unwrap().to_owned();
    (trace, parent)
}

/// The handler's line (not the access line or another).
fn handler_line(lines: &[Value]) -> &Value {
    lines
        .iter()
        .find(|l| l["fields"]["message"] == "calling the next service")
        .unwrap_or_else(|| panic!("no handler line in {lines:?}"))
}

fn request_span(spans: &[SpanData], id: &str) -> SpanData {
    let found: Vec<_> = spans
        .iter()
        .filter(|s| {
            s.attributes
                .iter()
                .any(|kv| kv.key.as_str() == "request_id" && kv.value.as_str() == id)
        })
        .collect();
    assert_eq!(found.len(), 1, "request {id} in {spans:?}");
    found[0].clone()
}

#[tokio::test]
async fn only_the_subscriber_with_the_layer_exports_and_each_request_follows_its_own() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let exported_logs = Capture::default();
    let writer = exported_logs.clone();
    let exporting = Dispatch::new(
        tracing_subscriber::registry()
            .with(qh::logs::layer().with_writer(move || writer.clone()))
            .with(qh::otel::layer(&provider)),
    );
    let plain_logs = Capture::default();
    let writer = plain_logs.clone();
    let plain = Dispatch::new(
        tracing_subscriber::registry().with(qh::logs::layer().with_writer(move || writer.clone())),
    );

    // The plain one first, then the exporting one, then the plain one again:
    // neither order nor history changes what a subscriber does.
    let (plain_before, plain_before_lines) = request_under(&plain, &plain_logs, "plain-1").await;
    let (sent, lines) = request_under(&exporting, &exported_logs, "otel-1").await;
    let (plain_after, plain_after_lines) = request_under(&plain, &plain_logs, "plain-2").await;

    // With the layer: the request span is exported, continues the incoming
    // trace, and is the parent outbound calls send and the one log lines
    // name.
    let spans = exporter.get_finished_spans().unwrap();
    let span = request_span(&spans, "otel-1");
    assert_eq!(span.name, "GET /call");
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    assert_eq!(span.parent_span_id, SpanId::from_hex(PARENT_ID).unwrap());
    let span_id = span.span_context.span_id().to_string();
    assert_eq!(parts(&sent), (TRACE_ID.to_owned(), span_id.clone()));
    let line = handler_line(&lines);
    assert_eq!(line["request_id"], "otel-1");
    assert_eq!(line["trace_id"], TRACE_ID);
    assert_eq!(line["span_id"], span_id.as_str());
    // The span carries the fields tracing-opentelemetry reads.
    assert_eq!(line["span"]["otel.kind"], "server", "{line}");

    // Without it: nothing of these requests is exported; the trace still
    // goes on, from the request's own W3C context, which the log lines
    // name; the span is the plain request span.
    assert_eq!(spans.len(), 1, "only the exporting subscriber's request");
    for (sent, lines, id) in [
        (&plain_before, &plain_before_lines, "plain-1"),
        (&plain_after, &plain_after_lines, "plain-2"),
    ] {
        let (trace, parent) = parts(sent);
        assert_eq!(trace, TRACE_ID, "{id}");
        assert_ne!(parent, PARENT_ID, "{id}: this service's span is the parent");
        assert_ne!(parent, span_id, "{id}");
        let line = handler_line(lines);
        assert_eq!(line["request_id"], id);
        assert_eq!(line["trace_id"], TRACE_ID, "{id}");
        assert_eq!(line["span_id"], parent.as_str(), "{id}");
        assert_eq!(line["span"]["name"], "request", "{line}");
        assert!(line["span"].get("otel.kind").is_none(), "{id}: {line}");
        assert_eq!(line["span"]["request_id"], id);
    }
}
