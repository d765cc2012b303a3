//! End to end: spans leave over OTLP/HTTP (protobuf) to a receiver on
//! 127.0.0.1, configured from the standard environment variables, and the
//! receiver decodes what arrived.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::routing::post;
use axum::Router;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, KeyValue};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;
use tokio::sync::mpsc;
use tower::ServiceExt;
use tracing_subscriber::layer::SubscriberExt;

use crate::app::app;

const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
const PARENT_ID: &str = "b7ad6b7169203331";

/// An OTLP/HTTP traces receiver: every decoded request goes to the channel.
/// (With the feature `metrics` it accepts metrics too: see `metrics_receiver`.)
pub(crate) async fn receiver() -> (String, mpsc::Receiver<ExportTraceServiceRequest>) {
    let (tx, rx) = mpsc::channel(16);
    let app = Router::new()
        .route("/v1/traces", post(receive))
        .route("/v1/metrics", post(|| async { StatusCode::OK }))
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), rx)
}

/// The metrics half of an OTLP/HTTP receiver: `receiver()`'s app with
/// every decoded metrics request sent to a channel of its own.
#[cfg(feature = "metrics")]
async fn receiver_with_metrics() -> (
    String,
    mpsc::Receiver<ExportTraceServiceRequest>,
    mpsc::Receiver<opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest>,
) {
    use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
    let (tx, rx) = mpsc::channel(16);
    let (mtx, mrx) = mpsc::channel(16);
    let metrics = post(move |body: Bytes| {
        let mtx = mtx.clone();
        async move {
            match ExportMetricsServiceRequest::decode(body) {
                Ok(request) => {
                    let _ = mtx.send(request).await;
                    StatusCode::OK
                }
                Err(_) => StatusCode::BAD_REQUEST,
            }
        }
    });
    let app = Router::new()
        .route("/v1/traces", post(receive))
        .route("/v1/metrics", metrics)
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), rx, mrx)
}

async fn receive(
    State(tx): State<mpsc::Sender<ExportTraceServiceRequest>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if headers["content-type"] != "application/x-protobuf" {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE;
    }
    match ExportTraceServiceRequest::decode(body) {
        Ok(request) => {
            let _ = tx.send(request).await;
            StatusCode::OK
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

pub(crate) fn string_attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attrs.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.as_str()),
            _ => None,
        }
    })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `exporting_child` in a process of its own with `env`: the
/// variables are the child's from its start, so no thread of a running test
/// binary sees them change (`set_var` there is a data race). Its output
/// when it fails; its standard output when it passes.
async fn child(env: &[(&str, &str)]) -> String {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "export::exporting_child",
            "--ignored",
            "--test-threads=1",
        ])
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_SERVICE_NAME")
        .env_remove("OTEL_RESOURCE_ATTRIBUTES")
        .env_remove("RUST_LOG")
        .envs(env.iter().copied());
    let out = tokio::task::spawn_blocking(move || command.output().unwrap());
    let out = tokio::time::timeout(Duration::from_secs(60), out)
        .await
        .expect("the child process ends within 60 s")
        .unwrap();
    assert!(
        out.status.success(),
        "the child failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Not a test of its own: `child` runs it with `QH_OTEL_CHILD` set. It sets
/// up export with `qh::otel::layer_from_env()`, and checks what that gives;
/// `on` sends one request's span and flushes it; `init` sets up the
/// quickstart's way, `qh::otel::init()` (the process's global subscriber),
/// and sends one request whose spawned work logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run in a child process by the tests that need the OTEL_* variables"]
async fn exporting_child() {
    let Ok(mode) = std::env::var("QH_OTEL_CHILD") else {
        eprintln!("run by spans_reach_an_otlp_http_receiver in a child process");
        return;
    };
    if mode == "init" {
        let guard = qh::otel::init();
        assert!(guard.is_active());
        // Installing twice is an error that says why, not a panic.
        let again = qh::otel::try_init().expect_err("already installed");
        assert!(
            matches!(again, qh::otel::OtelError::Install(_)),
            "{again:?}"
        );
        assert!(std::error::Error::source(&again).is_some());
        let req = Request::post("/work")
            .header("content-type", "application/json")
            .header("traceparent", format!("00-{TRACE_ID}-{PARENT_ID}-01"))
            .header("x-request-id", "e2e-init")
            .body(Body::from(r#"{"job":"j1"}"#))
            .unwrap();
        let res = app().oneshot(req).await.unwrap();
        assert_eq!(res.status(), 200);
        axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        tokio::task::spawn_blocking(move || {
            guard.flush().expect("flush reaches the receiver");
            drop(guard);
        })
        .await
        .unwrap();
        return;
    }
    if mode == "calls" {
        three_calls_child().await;
        return;
    }
    let (layer, guard) = qh::otel::layer_from_env();
    if mode == "off" {
        assert!(layer.is_none(), "export must be off without an endpoint");
        assert!(!guard.is_active());
        return;
    }
    let layer = layer.expect("export is on when OTEL_EXPORTER_OTLP_ENDPOINT is set");
    assert!(guard.is_active());
    let subscriber = tracing_subscriber::registry().with(layer);
    {
        // oneshot polls the app on this thread, where the subscriber is set.
        let _default = tracing::subscriber::set_default(subscriber);
        let req = Request::get("/users/42")
            .header("traceparent", format!("00-{TRACE_ID}-{PARENT_ID}-01"))
            .header("x-request-id", "e2e-1")
            .body(Body::empty())
            .unwrap();
        let res = app().oneshot(req).await.unwrap();
        assert_eq!(res.status(), 200);
    }
    // Exports run as tasks on the runtime while this thread blocks in
    // `flush`; shutting down with nothing queued sends nothing more.
    tokio::task::spawn_blocking(move || {
        guard.flush().expect("flush reaches the receiver");
        drop(guard);
    })
    .await
    .unwrap();
}

/// Service B: a qh endpoint under `Tracking`.
#[qh::endpoint(method = "GET", path = "/stock/{item}")]
async fn stock(item: String) -> String {
    item
}

/// Service A: one request, three calls to B through `Propagate`.
#[qh::endpoint(method = "GET", path = "/order")]
async fn order(
    #[extract] axum::extract::State(b): axum::extract::State<std::net::SocketAddr>,
) -> String {
    let client = qh::propagation::Propagate::client(reqwest::Client::new());
    let mut got = Vec::new();
    for item in ["apple", "pear", "plum"] {
        let res = client
            .get(format!("http://{b}/stock/{item}?fresh=1"))
            .send()
            .await
            .unwrap();
        got.push(res.text().await.unwrap());
    }
    got.join(",")
}

async fn serve_on_loopback(app: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// The child of `three_outbound_calls_are_three_client_spans`: A and B on
/// 127.0.0.1 under the process's subscriber, exporting from the `OTEL_*`
/// variables; one request to A.
async fn three_calls_child() {
    let (layer, guard) = qh::otel::layer_from_env();
    let subscriber = tracing_subscriber::registry().with(layer.expect("an endpoint is set"));
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let b = serve_on_loopback(qh::routes![stock].layer(qh::Tracking::new())).await;
    let tracking = qh::Tracking::new();
    // With the feature `metrics`, A records them, exported from the same
    // variables.
    #[cfg(feature = "metrics")]
    let tracking = {
        assert!(guard.metrics().is_active());
        tracking.metrics(guard.metrics())
    };
    let a = serve_on_loopback(qh::routes![order].layer(tracking).with_state(b)).await;
    let res = reqwest::Client::new()
        .get(format!("http://{a}/order"))
        .header("x-request-id", "three-calls")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(body.contains("apple") && body.contains("plum"), "{body}");
    tokio::task::spawn_blocking(move || {
        guard.flush().expect("flush reaches the receiver");
        drop(guard);
    })
    .await
    .unwrap();
}

fn int_attr(attrs: &[KeyValue], key: &str) -> Option<i64> {
    attrs.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::IntValue(i) => Some(*i),
            _ => None,
        }
    })
}

/// Three outbound calls in one request: three client spans with three span
/// IDs, each the parent of the callee's server span, one trace, all at the
/// OTLP receiver.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_outbound_calls_are_three_client_spans() {
    #[cfg(not(feature = "metrics"))]
    let (endpoint, mut received) = receiver().await;
    #[cfg(feature = "metrics")]
    let (endpoint, mut received, mut metrics) = receiver_with_metrics().await;
    child(&[
        ("QH_OTEL_CHILD", "calls"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_SERVICE_NAME", "qh-three-calls"),
    ])
    .await;
    let mut spans = Vec::new();
    while spans.len() < 7 {
        let request = tokio::time::timeout(Duration::from_secs(30), received.recv())
            .await
            .expect("the receiver got all seven spans within 30 s")
            .unwrap();
        for resource_spans in request.resource_spans {
            spans.extend(resource_spans.scope_spans.into_iter().flat_map(|s| s.spans));
        }
    }
    assert_eq!(spans.len(), 7, "{spans:#?}");
    let trace = &spans[0].trace_id;
    assert!(spans.iter().all(|s| &s.trace_id == trace), "one trace");
    let a = spans.iter().find(|s| s.name == "GET /order").unwrap();
    assert_eq!(a.kind, SpanKind::Server as i32);
    assert!(a.parent_span_id.is_empty(), "A's span is the root");
    let clients: Vec<_> = spans
        .iter()
        .filter(|s| s.kind == SpanKind::Client as i32)
        .collect();
    let servers: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "GET /stock/{item}")
        .collect();
    assert_eq!((clients.len(), servers.len()), (3, 3));
    let mut ids: Vec<_> = clients.iter().map(|c| c.span_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "three span IDs");
    for client in &clients {
        assert_eq!(client.name, "GET");
        assert_eq!(client.parent_span_id, a.span_id, "a child of A's span");
        assert_eq!(
            string_attr(&client.attributes, "http.request.method"),
            Some("GET")
        );
        assert_eq!(
            string_attr(&client.attributes, "server.address"),
            Some("127.0.0.1")
        );
        assert!(int_attr(&client.attributes, "server.port").is_some());
        let url = string_attr(&client.attributes, "url.full").unwrap();
        assert!(
            url.starts_with("http://127.0.0.1:") && !url.contains('?'),
            "{url}"
        );
        assert_eq!(
            int_attr(&client.attributes, "http.response.status_code"),
            Some(200)
        );
        assert_eq!(
            string_attr(&client.attributes, "request_id"),
            Some("three-calls")
        );
        let callee: Vec<_> = servers
            .iter()
            .filter(|s| s.parent_span_id == client.span_id)
            .collect();
        assert_eq!(callee.len(), 1, "each client span is one callee's parent");
        assert_eq!(
            string_attr(&callee[0].attributes, "request_id"),
            Some("three-calls")
        );
    }
    #[cfg(feature = "metrics")]
    {
        use opentelemetry_proto::tonic::metrics::v1::metric::Data;
        // The child has ended: its exports were all answered. The last one
        // (at shutdown) holds the cumulative counts.
        let mut last = None;
        while let Ok(request) = metrics.try_recv() {
            last = Some(request);
        }
        let request = last.expect("metrics reached the receiver");
        let resource = request.resource_metrics[0].resource.as_ref().unwrap();
        assert_eq!(
            string_attr(&resource.attributes, "service.name"),
            Some("qh-three-calls")
        );
        let all: Vec<_> = request
            .resource_metrics
            .iter()
            .flat_map(|r| &r.scope_metrics)
            .flat_map(|s| &s.metrics)
            .collect();
        let histogram = |name: &str| match all.iter().find(|m| m.name == name) {
            Some(m) => match &m.data {
                Some(Data::Histogram(h)) => h.data_points.clone(),
                other => panic!("{name}: {other:?}"),
            },
            None => panic!("no {name} in {all:#?}"),
        };
        let server = histogram("http.server.request.duration");
        assert_eq!(server.len(), 1, "{server:#?}");
        assert_eq!(server[0].count, 1);
        assert_eq!(
            string_attr(&server[0].attributes, "http.route"),
            Some("/order")
        );
        let client = histogram("http.client.request.duration");
        assert_eq!(client.len(), 1, "{client:#?}");
        assert_eq!(client[0].count, 3);
        assert_eq!(
            string_attr(&client[0].attributes, "server.address"),
            Some("127.0.0.1")
        );
        assert_eq!(
            server[0].explicit_bounds,
            qh::otel::DURATION_BOUNDARIES.to_vec()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_endpoint_layer_from_env_turns_export_off() {
    child(&[("QH_OTEL_CHILD", "off")]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_an_otlp_http_receiver() {
    let (endpoint, mut received) = receiver().await;
    child(&[
        ("QH_OTEL_CHILD", "on"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_SERVICE_NAME", "qh-otel-e2e"),
        ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test"),
    ])
    .await;

    let request = tokio::time::timeout(Duration::from_secs(30), received.recv())
        .await
        .expect("the receiver got an export within 30 s")
        .unwrap();
    let resource_spans = &request.resource_spans[0];
    let resource = resource_spans.resource.as_ref().unwrap();
    assert_eq!(
        string_attr(&resource.attributes, "service.name"),
        Some("qh-otel-e2e")
    );
    assert_eq!(
        string_attr(&resource.attributes, "deployment.environment"),
        Some("test")
    );
    let spans: Vec<_> = resource_spans
        .scope_spans
        .iter()
        .flat_map(|s| &s.spans)
        .collect();
    assert_eq!(spans.len(), 1, "{spans:?}");
    let span = spans[0];
    assert_eq!(span.name, "GET /users/{user_id}");
    assert_eq!(span.kind, SpanKind::Server as i32);
    assert_eq!(hex(&span.trace_id), TRACE_ID);
    assert_eq!(hex(&span.parent_span_id), PARENT_ID);
    assert_eq!(string_attr(&span.attributes, "request_id"), Some("e2e-1"));
    assert_eq!(
        string_attr(&span.attributes, "http.route"),
        Some("/users/{user_id}")
    );
    // The child has ended (flushed, shut down): nothing more came.
    assert!(received.try_recv().is_err());
}

/// `qh::otel::init()`, the quickstart's one line: JSON log lines on stdout
/// carrying the exported span's IDs, and the spans at the receiver.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_installs_json_logs_and_export() {
    let (endpoint, mut received) = receiver().await;
    let stdout = child(&[
        ("QH_OTEL_CHILD", "init"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_SERVICE_NAME", "qh-otel-init"),
    ])
    .await;

    let mut spans = Vec::new();
    while spans.len() < 2 {
        let request = tokio::time::timeout(Duration::from_secs(30), received.recv())
            .await
            .expect("the receiver got both spans within 30 s")
            .unwrap();
        for resource_spans in &request.resource_spans {
            let resource = resource_spans.resource.as_ref().unwrap();
            assert_eq!(
                string_attr(&resource.attributes, "service.name"),
                Some("qh-otel-init")
            );
            spans.extend(
                resource_spans
                    .scope_spans
                    .iter()
                    .flat_map(|s| s.spans.clone()),
            );
        }
    }
    let request = spans.iter().find(|s| s.name == "POST /work").unwrap();
    assert_eq!(hex(&request.trace_id), TRACE_ID);
    assert_eq!(hex(&request.parent_span_id), PARENT_ID);
    let background = spans.iter().find(|s| s.name == "background").unwrap();
    assert_eq!(background.parent_span_id, request.span_id);

    // The line logged in the spawned work names the exported span it ran in
    // (the test harness may have written its `test … ` before it).
    let line = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(&l[l.find('{')?..]).ok())
        .find(|l| l["fields"]["message"] == "background step")
        .unwrap_or_else(|| panic!("no JSON log line of the work in {stdout}"));
    assert_eq!(line["request_id"], "e2e-init");
    assert_eq!(line["trace_id"], TRACE_ID);
    assert_eq!(line["span_id"], hex(&background.span_id).as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_collector_fails_the_flush_within_a_bound() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (layer, guard) = qh::otel::OtelConfig::default()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap()
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        drop(qh::otel::server_span("GET", Some("/lost"), "r-1"));
    });
    let flushed = tokio::task::spawn_blocking(move || {
        let flushed = guard.flush();
        // Shutting down after a failed export must not hang either.
        drop(guard);
        flushed
    });
    let flushed = tokio::time::timeout(Duration::from_secs(30), flushed)
        .await
        .expect("flush and shutdown return within 30 s")
        .unwrap();
    assert!(flushed.is_err(), "nothing could have received the span");
}

// The default `#[tokio::test]` runtime: one thread, which the export shares
// with the receiver. Flushing from `spawn_blocking` leaves it free to run
// both.
#[tokio::test]
async fn current_thread_runtime_exports_when_flushed_off_the_runtime_thread() {
    let (endpoint, mut received) = receiver().await;
    let (layer, guard) = qh::otel::OtelConfig::default()
        .endpoint(&endpoint)
        .service_name("qh-otel-current-thread")
        .build()
        .unwrap()
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let span = qh::otel::server_span("POST", Some("/orders"), "ct-1");
        qh::otel::record_status(&span, 201);
    });
    let flushed = tokio::task::spawn_blocking(move || {
        let flushed = guard.flush();
        drop(guard);
        flushed
    });
    tokio::time::timeout(Duration::from_secs(30), flushed)
        .await
        .expect("flush returns within 30 s")
        .unwrap()
        .expect("the receiver accepted the export");
    let request = tokio::time::timeout(Duration::from_secs(30), received.recv())
        .await
        .expect("the receiver got an export within 30 s")
        .unwrap();
    let resource = request.resource_spans[0].resource.as_ref().unwrap();
    assert_eq!(
        string_attr(&resource.attributes, "service.name"),
        Some("qh-otel-current-thread")
    );
    let span = &request.resource_spans[0].scope_spans[0].spans[0];
    assert_eq!(span.name, "POST /orders");
    assert_eq!(string_attr(&span.attributes, "request_id"), Some("ct-1"));
}
