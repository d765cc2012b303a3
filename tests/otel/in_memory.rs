//! What the request span exports, seen through the SDK's in-memory exporter.

use axum::body::Body;
use axum::http::Request;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use opentelemetry::Value;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tower::ServiceExt;
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

use crate::app::{app, parse_traceparent};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

/// Spans exported while it lives, through qh's layer, on this thread.
pub(crate) struct Capture {
    exporter: InMemorySpanExporter,
    _provider: SdkTracerProvider,
    _subscriber: DefaultGuard,
}

impl Capture {
    pub(crate) fn start() -> Self {
        Self::at(LevelFilter::TRACE)
    }

    /// With everything below `max` filtered out before the layer, as an
    /// `EnvFilter` in front of it would.
    fn at(max: LevelFilter) -> Self {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let layer = qh::otel::layer(&provider).with_filter(max);
        let subscriber = tracing_subscriber::registry().with(layer);
        Self {
            exporter,
            _provider: provider,
            _subscriber: tracing::subscriber::set_default(subscriber),
        }
    }

    pub(crate) fn spans(&self) -> Vec<SpanData> {
        self.exporter.get_finished_spans().unwrap()
    }

    pub(crate) fn span(&self, name: &str) -> SpanData {
        let spans = self.spans();
        let mut found = spans.iter().filter(|s| s.name == name);
        let span = found
            .next()
            .unwrap_or_else(|| panic!("no span `{name}` in {:?}", names(&spans)));
        assert!(found.next().is_none(), "two spans `{name}`");
        span.clone()
    }
}

fn names(spans: &[SpanData]) -> Vec<&str> {
    spans.iter().map(|s| s.name.as_ref()).collect()
}

pub(crate) fn attr(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

pub(crate) fn string(value: &str) -> Option<Value> {
    Some(Value::from(value.to_owned()))
}

async fn get(uri: &str, headers: &[(&str, &str)]) -> (String, serde_json::Value) {
    let mut req = Request::get(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    (id, serde_json::from_slice(&body).unwrap_or_default())
}

#[tokio::test]
async fn request_span_continues_the_incoming_trace() {
    let capture = Capture::start();
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let (id, _) = get(
        "/users/7",
        &[
            ("traceparent", &traceparent),
            ("x-request-id", "trace-me-1"),
        ],
    )
    .await;
    assert_eq!(id, "trace-me-1");

    let span = capture.span("GET /users/{user_id}");
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    assert_eq!(span.parent_span_id, SpanId::from_hex(PARENT_ID).unwrap());
    assert!(span.parent_span_is_remote);
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(attr(&span, "request_id"), string("trace-me-1"));
    assert_eq!(attr(&span, "http.request.method"), string("GET"));
    assert_eq!(attr(&span, "http.route"), string("/users/{user_id}"));
    assert_eq!(
        attr(&span, "http.response.status_code"),
        Some(Value::I64(200))
    );
    assert_eq!(span.status, Status::Unset);
    // Semantic conventions v1.44: the scheme and the protocol version.
    assert_eq!(attr(&span, "url.scheme"), string("http"));
    assert_eq!(attr(&span, "network.protocol.version"), string("1.1"));
    // Only the route template, never the raw path.
    assert!(
        span.attributes
            .iter()
            .all(|kv| !kv.value.as_str().contains("/users/7")),
        "{:?}",
        span.attributes
    );
}

#[tokio::test]
async fn without_traceparent_the_request_starts_a_trace() {
    let capture = Capture::start();
    let (id, _) = get("/users/1", &[]).await;
    let span = capture.span("GET /users/{user_id}");
    assert_eq!(span.parent_span_id, SpanId::INVALID);
    assert!(span.span_context.is_valid());
    assert_eq!(attr(&span, "request_id"), string(&id));
}

#[tokio::test]
async fn malformed_traceparent_starts_a_trace() {
    let capture = Capture::start();
    // All-zero trace ID: invalid per W3C, so it is not continued.
    let zeros = format!("00-{}-{PARENT_ID}-01", "0".repeat(32));
    get("/users/1", &[("traceparent", &zeros)]).await;
    let span = capture.span("GET /users/{user_id}");
    assert_eq!(span.parent_span_id, SpanId::INVALID);
    assert_ne!(span.span_context.trace_id(), TraceId::INVALID);
}

#[tokio::test]
async fn handler_sees_the_request_span_ids() {
    let capture = Capture::start();
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let (_, body) = get("/users/7", &[("traceparent", &traceparent)]).await;
    let span = capture.span("GET /users/{user_id}");
    let expected = format!(
        "00-{}-{}-01",
        span.span_context.trace_id(),
        span.span_context.span_id()
    );
    assert_eq!(body["traceparent"], expected.as_str());
    // The value is a well-formed traceparent the next service can continue.
    let (trace, parent, sampled) = parse_traceparent(&expected).unwrap();
    assert_eq!(
        TraceId::from_bytes(trace),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    assert_eq!(SpanId::from_bytes(parent), span.span_context.span_id());
    assert!(sampled);
}

#[tokio::test]
async fn spawned_work_exports_as_a_child_of_the_request() {
    let capture = Capture::start();
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let req = Request::post("/work")
        .header("content-type", "application/json")
        .header("traceparent", &traceparent)
        .body(Body::from(r#"{"job":"j1"}"#))
        .unwrap();
    let res = app().oneshot(req).await.unwrap();
    assert_eq!(res.status(), 200);
    // The request span ends with the body.
    axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();

    let request = capture.span("POST /work");
    let background = capture.span("background");
    assert_eq!(
        background.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    assert_eq!(background.parent_span_id, request.span_context.span_id());
    assert!(!background.parent_span_is_remote);
    assert_eq!(background.span_kind, SpanKind::Internal);
    // The event logged in the task is recorded on the child span.
    assert_eq!(background.events.events.len(), 1);
}

#[tokio::test]
async fn server_errors_set_the_span_status_and_client_errors_do_not() {
    let capture = Capture::start();
    get("/fail", &[]).await;
    get("/teapot", &[]).await;
    let fail = capture.span("GET /fail");
    assert_eq!(
        attr(&fail, "http.response.status_code"),
        Some(Value::I64(503))
    );
    assert!(
        matches!(fail.status, Status::Error { .. }),
        "{:?}",
        fail.status
    );
    assert_eq!(attr(&fail, "error.type"), string("503"));
    let teapot = capture.span("GET /teapot");
    assert_eq!(
        attr(&teapot, "http.response.status_code"),
        Some(Value::I64(418))
    );
    assert_eq!(teapot.status, Status::Unset);
    assert_eq!(attr(&teapot, "error.type"), None);
}

/// The status and echoed ID of `method uri` through the app.
async fn ask(method: &str, uri: &str) -> (u16, String) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap();
    let res = app().oneshot(req).await.unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    (res.status().as_u16(), id)
}

#[tokio::test]
async fn the_layer_names_an_unmatched_request_by_its_method_alone() {
    let capture = Capture::start();
    let (status, id) = ask("GET", "/nowhere/42").await;
    assert_eq!(status, 404);
    let span = capture.span("GET");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(attr(&span, "http.route"), None);
    assert_eq!(attr(&span, "request_id"), string(&id));
    assert_eq!(
        attr(&span, "http.response.status_code"),
        Some(Value::I64(404))
    );
}

#[tokio::test]
async fn the_layer_reports_a_non_standard_method_as_other() {
    let capture = Capture::start();
    let (status, _) = ask("PROPFIND", "/dav").await;
    assert_eq!(status, 207);
    let span = capture.span("HTTP /dav");
    assert_eq!(attr(&span, "http.request.method"), string("_OTHER"));
    assert_eq!(
        attr(&span, "http.request.method_original"),
        string("PROPFIND")
    );
    assert_eq!(attr(&span, "http.route"), string("/dav"));
}

#[tokio::test]
async fn unsampled_parent_is_not_exported() {
    let capture = Capture::start();
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-00");
    let (_, body) = get("/users/7", &[("traceparent", &traceparent)]).await;
    assert!(capture.spans().is_empty(), "{:?}", names(&capture.spans()));
    // The trace still goes on to the next service, marked unsampled.
    let sent = body["traceparent"].as_str().unwrap();
    assert!(sent.starts_with(&format!("00-{TRACE_ID}-")), "{sent}");
    assert!(sent.ends_with("-00"), "{sent}");
}

#[tokio::test]
async fn parent_cannot_change_once_the_span_started() {
    let _capture = Capture::start();
    let span = qh::otel::server_span("GET", Some("/x"), "r-1");
    let first = qh::otel::ids_of(&span).unwrap();
    let (trace, parent, _) = parse_traceparent(&format!("00-{TRACE_ID}-{PARENT_ID}-01")).unwrap();
    assert!(!qh::otel::set_remote_parent(
        &span, trace, parent, true, None
    ));
    assert_eq!(qh::otel::ids_of(&span).unwrap(), first);
}

#[test]
fn without_the_layer_nothing_changes() {
    // A subscriber without OpenTelemetry: the helpers are inert.
    let subscriber = tracing_subscriber::registry().with(tracing_subscriber::fmt::layer());
    tracing::subscriber::with_default(subscriber, || {
        let span = qh::otel::server_span("GET", Some("/x"), "r-1");
        let (trace, parent, _) =
            parse_traceparent(&format!("00-{TRACE_ID}-{PARENT_ID}-01")).unwrap();
        assert!(!qh::otel::set_remote_parent(
            &span, trace, parent, true, None
        ));
        assert_eq!(qh::otel::ids_of(&span), None);
        let _entered = span.enter();
        assert_eq!(qh::otel::current_ids(), None);
    });
}

#[tokio::test]
async fn the_request_span_level_decides_whether_it_exports() {
    let capture = Capture::at(LevelFilter::INFO);
    drop(qh::otel::server_span_at(
        tracing::Level::DEBUG,
        "GET",
        Some("/quiet"),
        "r-1",
    ));
    drop(qh::otel::server_span_at(
        tracing::Level::WARN,
        "GET",
        Some("/loud"),
        "r-2",
    ));
    assert_eq!(names(&capture.spans()), ["GET /loud"]);
}

#[tokio::test]
async fn incoming_tracestate_is_carried_by_the_request_span() {
    let capture = Capture::start();
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    get(
        "/users/7",
        &[
            ("traceparent", &traceparent),
            ("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
        ],
    )
    .await;
    let span = capture.span("GET /users/{user_id}");
    assert_eq!(
        span.span_context.trace_state().header(),
        "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
    );
}

#[tokio::test]
async fn malformed_tracestate_is_dropped_but_the_parent_kept() {
    let capture = Capture::start();
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    get(
        "/users/7",
        &[
            ("traceparent", &traceparent),
            ("tracestate", "no equals sign"),
        ],
    )
    .await;
    let span = capture.span("GET /users/{user_id}");
    assert_eq!(span.span_context.trace_state().header(), "");
    assert_eq!(span.parent_span_id, SpanId::from_hex(PARENT_ID).unwrap());
}

#[tokio::test]
async fn route_recorded_after_the_span_started_renames_it() {
    let capture = Capture::start();
    let (trace, parent, _) = parse_traceparent(&format!("00-{TRACE_ID}-{PARENT_ID}-01")).unwrap();
    let span = qh::otel::server_span("GET", None, "r-late");
    assert!(qh::otel::set_remote_parent(
        &span, trace, parent, true, None
    ));
    {
        // A layer outside the router enters the span before routing.
        let _entered = span.enter();
    }
    qh::otel::record_route(&span, "GET", "/users/{user_id}");
    qh::otel::record_status(&span, 200);
    drop(span);
    let span = capture.span("GET /users/{user_id}");
    assert_eq!(attr(&span, "http.route"), string("/users/{user_id}"));
    assert_eq!(attr(&span, "request_id"), string("r-late"));
    assert_eq!(span.parent_span_id, SpanId::from_hex(PARENT_ID).unwrap());
}

/// A gRPC service mounted as tonic's `Routes` mounts one
/// (`/{service}/{*rest}`): it serves `Say` and answers `UNIMPLEMENTED`
/// (trailers-only) for any other method, as tonic's generated servers do;
/// the fallback answers it for any other service, as tonic's does.
fn grpc_app() -> axum::Router {
    fn answer(code: &'static str) -> axum::response::Response {
        use axum::response::IntoResponse;
        (
            [("content-type", "application/grpc"), ("grpc-status", code)],
            "",
        )
            .into_response()
    }
    async fn echo(req: Request<Body>) -> axum::response::Response {
        answer(if req.uri().path() == "/pkg.Echo/Say" {
            "0"
        } else {
            "12"
        })
    }
    axum::Router::new()
        .route("/pkg.Echo/{*rest}", axum::routing::post(echo))
        .fallback(|| async { answer("12") })
        .layer(qh::Tracking::new())
}

#[tokio::test]
async fn grpc_spans_are_named_only_for_the_methods_served() {
    let capture = Capture::start();
    for path in ["/pkg.Echo/Say", "/pkg.Echo/Minted", "/x1.Minted/Chosen"] {
        let req = Request::post(path)
            .header("content-type", "application/grpc")
            .body(Body::empty())
            .unwrap();
        let res = grpc_app().oneshot(req).await.unwrap();
        axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
    }
    let spans = capture.spans();
    // The served method's span was renamed once its answer came (it had
    // started, unnamed, before); the others share one name.
    assert_eq!(names(&spans), ["pkg.Echo/Say", "grpc", "grpc"]);
    let say = &spans[0];
    assert_eq!(say.span_kind, SpanKind::Server);
    assert_eq!(attr(say, "rpc.system"), string("grpc"));
    assert_eq!(attr(say, "rpc.service"), string("pkg.Echo"));
    assert_eq!(attr(say, "rpc.method"), string("Say"));
    let code =
        |span: &SpanData| attr(span, "rpc.grpc.status_code").map(|v| v.as_str().into_owned());
    assert_eq!(code(say).as_deref(), Some("0"));
    // The unknown method keeps its (served) service, not its name.
    assert_eq!(attr(&spans[1], "rpc.service"), string("pkg.Echo"));
    assert_eq!(attr(&spans[2], "rpc.service"), None);
    for unknown in &spans[1..] {
        assert_eq!(attr(unknown, "rpc.method"), None);
        assert_eq!(code(unknown).as_deref(), Some("12"));
        for kv in &unknown.attributes {
            let value = kv.value.as_str();
            assert!(
                !value.contains("Minted") && !value.contains("Chosen"),
                "{kv:?}"
            );
        }
    }
}
