//! gRPC under `qh::Tracking`: tonic's health service (its generated server
//! and client; the methods are ours) served on 127.0.0.1 beside HTTP
//! routes, called by tonic's client. The ID from `x-request-id` metadata is
//! kept, generated or replaced as for HTTP, echoed in the response
//! metadata, current in unary and server-streaming methods; a panic is the
//! status `INTERNAL` with the ID; the span is named for the method the app
//! serves (calls to anything else share one name, their path recorded
//! nowhere) and ends with the call's `grpc-status`; an HTTP endpoint
//! calling the service with `qh::grpc::Propagate` passes one ID and one
//! trace.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Request as HttpRequest;
use common::capture::{json_logs, Capture};
use futures_util::stream::{self, StreamExt};
use tonic::transport::Channel;
use tonic::{Code, Request, Response, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::health_server::{Health, HealthServer};
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tower::ServiceExt;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// What the methods saw: the current ID and trace ID, per call or item.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, String)>>>, Parents);

/// The parent span IDs the methods saw, per call or item.
#[derive(Clone, Default)]
struct Parents(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn record(&self) -> String {
        let id = qh::request_id().map_or("none".to_owned(), |id| id.to_string());
        let trace = qh::trace_context::TraceContext::current_or_start()
            .map_or("none".to_owned(), |tc| tc.trace_id().to_string());
        tracing::info!("in the method");
        if let Some(parent) =
            qh::trace_context::TraceContext::current().and_then(|tc| tc.parent_id())
        {
            self.1 .0.lock().unwrap().push(parent.to_string());
        }
        self.0.lock().unwrap().push((id.clone(), trace));
        id
    }

    fn take(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[derive(Clone, Default)]
struct Service {
    seen: Seen,
}

fn serving() -> HealthCheckResponse {
    HealthCheckResponse {
        status: ServingStatus::Serving as i32,
    }
}

#[tonic::async_trait]
impl Health for Service {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        tokio::task::yield_now().await;
        self.seen.record();
        match request.get_ref().service.as_str() {
            "panic" => panic!("the method broke"),
            "missing" => Err(Status::not_found("no such service")),
            _ => Ok(Response::new(serving())),
        }
    }

    type WatchStream = stream::BoxStream<'static, Result<HealthCheckResponse, Status>>;

    async fn watch(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let seen = self.seen.clone();
        let items = stream::iter(0..3).then(move |_| {
            let seen = seen.clone();
            async move {
                tokio::task::yield_now().await;
                seen.record();
                Ok(serving())
            }
        });
        Ok(Response::new(items.boxed()))
    }
}

/// The service and a plain HTTP route under one `Tracking` layer, served by
/// `axum::serve` on 127.0.0.1.
async fn serve(service: Service, tracking: qh::Tracking) -> SocketAddr {
    let app = tonic::service::Routes::new(HealthServer::new(service))
        .into_axum_router()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .layer(tracking);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// The fields a `request` span ended with, as a tracing layer (and so the
/// OpenTelemetry layer) last saw them: each field's latest value.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<BTreeMap<String, String>>>>, Clients);

/// The same for the `client` spans of outbound calls.
#[derive(Clone, Default)]
struct Clients(Arc<Mutex<Vec<BTreeMap<String, String>>>>);

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        ctx.span(id).unwrap().extensions_mut().insert(fields);
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: LayerContext<'_, S>) {
        if let Some(fields) = ctx.span(id).unwrap().extensions_mut().get_mut::<Fields>() {
            values.record(fields);
        }
    }
    fn on_close(&self, id: Id, ctx: LayerContext<'_, S>) {
        let span = ctx.span(&id).unwrap();
        let into = match span.name() {
            "request" => &self.0,
            "client" => &self.1 .0,
            _ => return,
        };
        let fields = span.extensions_mut().remove::<Fields>();
        if let Some(fields) = fields {
            into.lock().unwrap().push(fields.0);
        }
    }
}

impl Spans {
    /// This layer and qh's JSON lines into `capture`, as this thread's
    /// default subscriber until the guard drops.
    fn install(&self, capture: &Capture) -> tracing::subscriber::DefaultGuard {
        let writer = capture.clone();
        let subscriber = tracing_subscriber::registry()
            .with(qh::logs::layer().with_writer(move || writer.clone()))
            .with(self.clone());
        tracing::subscriber::set_default(subscriber)
    }

    fn take(&self) -> Vec<BTreeMap<String, String>> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// A gRPC request as tonic's client sends it (an empty message in one
/// frame), in-process.
fn grpc_request(path: &str, id: &str) -> HttpRequest<Body> {
    HttpRequest::post(path)
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("x-request-id", id)
        .body(Body::from(vec![0u8; 5]))
        .unwrap()
}

async fn client(addr: SocketAddr) -> HealthClient<Channel> {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    HealthClient::new(channel)
}

fn check(service: &str, id: Option<&str>) -> Request<HealthCheckRequest> {
    let mut req = Request::new(HealthCheckRequest {
        service: service.to_owned(),
    });
    if let Some(id) = id {
        req.metadata_mut()
            .insert("x-request-id", id.parse().unwrap());
    }
    req
}

fn echoed(metadata: &tonic::metadata::MetadataMap) -> String {
    metadata
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn unary_calls_keep_generate_or_replace_the_id() {
    let _logs = json_logs(&Capture::default());
    let service = Service::default();
    let seen = service.seen.clone();
    let mut client = client(serve(service, qh::Tracking::new()).await).await;

    let res = client.check(check("", Some("grpc-1"))).await.unwrap();
    assert_eq!(echoed(res.metadata()), "grpc-1");
    assert_eq!(seen.take()[0].0, "grpc-1");

    for hostile in [None, Some("has space"), Some(&*"x".repeat(200))] {
        let res = client.check(check("", hostile)).await.unwrap();
        let id = echoed(res.metadata());
        assert!(common::is_uuid(&id, 4), "{hostile:?}: {id}");
        assert_eq!(seen.take()[0].0, id);
    }

    // An error status keeps the echo.
    let status = client
        .check(check("missing", Some("grpc-2")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(echoed(status.metadata()), "grpc-2");
}

#[tokio::test]
async fn server_streaming_items_keep_the_context() {
    let _logs = json_logs(&Capture::default());
    let service = Service::default();
    let seen = service.seen.clone();
    let mut client = client(serve(service, qh::Tracking::new()).await).await;
    let res = client.watch(check("", Some("stream-1"))).await.unwrap();
    assert_eq!(echoed(res.metadata()), "stream-1");
    let items: Vec<_> = res.into_inner().collect().await;
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(Result::is_ok));
    let ids: Vec<_> = seen.take().into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["stream-1", "stream-1", "stream-1"]);
}

#[tokio::test]
async fn twenty_concurrent_calls_never_cross() {
    let _logs = json_logs(&Capture::default());
    let service = Service::default();
    let addr = serve(service, qh::Tracking::new()).await;
    let client = client(addr).await;
    let calls = (0..20).map(|i| {
        let mut client = client.clone();
        tokio::spawn(async move {
            let id = format!("c-{i}");
            let res = client.watch(check("", Some(&id))).await.unwrap();
            let echo = echoed(res.metadata());
            let n = res.into_inner().collect::<Vec<_>>().await.len();
            (id, echo, n)
        })
    });
    for call in calls {
        let (id, echo, n) = call.await.unwrap();
        assert_eq!((echo.as_str(), n), (id.as_str(), 3));
    }
}

#[tokio::test]
async fn a_panic_is_an_internal_status_with_the_id_and_the_server_goes_on() {
    let _logs = json_logs(&Capture::default());
    let service = Service::default();
    let mut client = client(serve(service, qh::Tracking::new()).await).await;
    let status = client
        .check(check("panic", Some("boom-1")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    assert_eq!(echoed(status.metadata()), "boom-1");
    // qh's own status (trailers-only), not an HTTP 500 tonic guessed a code
    // for; the panic's message stays in the logs.
    assert_eq!(
        status.message(),
        "the request handler panicked; the server logs have the details"
    );
    // The next call is served.
    let res = client.check(check("", Some("after-1"))).await.unwrap();
    assert_eq!(echoed(res.metadata()), "after-1");
}

#[tokio::test]
async fn the_span_is_named_for_the_method_and_ends_with_the_grpc_status() {
    let capture = Capture::default();
    let spans = Spans::default();
    let _logs = spans.install(&capture);
    let service = Service::default();
    let mut client = client(serve(service, qh::Tracking::new().access_log(true)).await).await;
    client.check(check("", Some("span-1"))).await.unwrap();
    client
        .check(check("missing", Some("span-2")))
        .await
        .unwrap_err();
    client
        .check(check("panic", Some("span-3")))
        .await
        .unwrap_err();
    let mut statuses = Vec::new();
    for line in capture
        .lines()
        .into_iter()
        .filter(|l| l["target"] == "qh::access")
    {
        assert_eq!(line["fields"]["status"], 200, "{line}");
        statuses.push((
            line["request_id"].clone(),
            line["fields"]["grpc_status"].clone(),
        ));
    }
    assert_eq!(
        statuses,
        [
            ("span-1".into(), 0.into()),
            ("span-2".into(), 5.into()),
            ("span-3".into(), 13.into())
        ]
    );
    // The method ran in the request span, which names the service its
    // route serves (tonic's `/grpc.health.v1.Health/{*rest}`).
    let in_method: Vec<_> = capture
        .lines()
        .into_iter()
        .filter(|l| l["fields"]["message"] == "in the method")
        .collect();
    assert_eq!(in_method.len(), 3);
    for (line, id) in in_method.iter().zip(["span-1", "span-2", "span-3"]) {
        assert_eq!(line["request_id"], id, "{line}");
        assert_eq!(line["span"]["request_id"], id, "{line}");
        assert_eq!(line["span"]["rpc.system"], "grpc", "{line}");
        assert_eq!(
            line["span"]["rpc.service"], "grpc.health.v1.Health",
            "{line}"
        );
        assert_eq!(
            line["span"]["route"], "/grpc.health.v1.Health/{*rest}",
            "{line}"
        );
    }
    // The answers showed the method served: each span ends named for it,
    // with its status.
    let ended = spans.take();
    assert_eq!(ended.len(), 3, "{ended:?}");
    for (span, (id, code)) in ended
        .iter()
        .zip([("span-1", "0"), ("span-2", "5"), ("span-3", "13")])
    {
        assert_eq!(span["request_id"], id, "{span:?}");
        assert_eq!(span["otel.name"], "grpc.health.v1.Health/Check", "{span:?}");
        assert_eq!(span["otel.kind"], "server", "{span:?}");
        assert_eq!(span["rpc.system"], "grpc", "{span:?}");
        assert_eq!(span["rpc.service"], "grpc.health.v1.Health", "{span:?}");
        assert_eq!(span["rpc.method"], "Check", "{span:?}");
        assert_eq!(span["rpc.grpc.status_code"], code, "{span:?}");
    }
}

/// No field of `span` holds any of `words`: the client's path is recorded
/// nowhere.
fn assert_nowhere(span: &BTreeMap<String, String>, words: &[&str]) {
    for (field, value) in span {
        for word in words {
            assert!(!value.contains(word), "{field} = {value:?} in {span:?}");
        }
    }
}

#[tokio::test]
async fn calls_to_what_the_app_does_not_serve_share_one_name() {
    let spans = Spans::default();
    let _logs = spans.install(&Capture::default());
    // Routes and one Tracking layer per route (`Router::layer`): the
    // service's route is matched, or the fallback answers.
    let per_route = tonic::service::Routes::new(HealthServer::new(Service::default()))
        .into_axum_router()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .route("/users/{id}", axum::routing::post(|| async { "user" }))
        .layer(qh::Tracking::new());
    let cases = [
        // An unknown service: tonic's `Routes` answers UNIMPLEMENTED.
        ("/x1.Minted/Chosen", "12", None),
        // A known service, an unknown method: its server answers
        // UNIMPLEMENTED; the service is the app's.
        (
            "/grpc.health.v1.Health/Chosen",
            "12",
            Some("grpc.health.v1.Health"),
        ),
        // Routes that serve no gRPC call.
        ("/health", "", None),
        ("/users/Chosen", "", None),
    ];
    for (path, code, service) in cases {
        let res = per_route
            .clone()
            .oneshot(grpc_request(path, "u-1"))
            .await
            .unwrap();
        let _ = axum::body::to_bytes(res.into_body(), usize::MAX).await;
        let ended = spans.take();
        assert_eq!(ended.len(), 1, "{path}: {ended:?}");
        let span = &ended[0];
        assert_eq!(span["otel.name"], "grpc", "{path}: {span:?}");
        assert_eq!(span["rpc.system"], "grpc", "{path}: {span:?}");
        assert_eq!(span.get("rpc.method"), None, "{path}: {span:?}");
        assert_eq!(
            span.get("rpc.service").map(String::as_str),
            service,
            "{path}: {span:?}"
        );
        if !code.is_empty() {
            assert_eq!(span["rpc.grpc.status_code"], code, "{path}: {span:?}");
        }
        assert_nowhere(span, &["Minted", "Chosen"]);
    }

    // One layer around the whole router, as tonic's own
    // `Server::builder().layer(…)` puts it: no route is known when the span
    // opens, the answer decides.
    let outside = tower::ServiceBuilder::new()
        .layer(qh::Tracking::new())
        .service(
            tonic::service::Routes::new(HealthServer::new(Service::default())).into_axum_router(),
        );
    for path in ["/x1.Minted/Chosen", "/grpc.health.v1.Health/Chosen"] {
        let res = outside
            .clone()
            .oneshot(grpc_request(path, "u-2"))
            .await
            .unwrap();
        assert_eq!(res.headers()["grpc-status"], "12", "{path}");
        let _ = axum::body::to_bytes(res.into_body(), usize::MAX).await;
        let ended = spans.take();
        assert_eq!(ended.len(), 1, "{path}: {ended:?}");
        let span = &ended[0];
        assert_eq!(span["otel.name"], "grpc", "{path}: {span:?}");
        assert_eq!(span.get("rpc.service"), None, "{path}: {span:?}");
        assert_eq!(span.get("rpc.method"), None, "{path}: {span:?}");
        assert_nowhere(span, &["Minted", "Chosen", "Health"]);
    }
    // … and a method it serves is named after it.
    let res = outside
        .clone()
        .oneshot(grpc_request("/grpc.health.v1.Health/Check", "u-3"))
        .await
        .unwrap();
    let _ = axum::body::to_bytes(res.into_body(), usize::MAX).await;
    let ended = spans.take();
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert_eq!(
        ended[0]["otel.name"], "grpc.health.v1.Health/Check",
        "{ended:?}"
    );
    assert_eq!(ended[0]["rpc.service"], "grpc.health.v1.Health");
    assert_eq!(ended[0]["rpc.method"], "Check");
}

#[tokio::test]
async fn a_route_of_its_own_names_the_method_at_once() {
    let capture = Capture::default();
    let spans = Spans::default();
    let _logs = spans.install(&capture);
    // A gRPC method served by a route of its own (a hand-written handler).
    let app = axum::Router::new()
        .route(
            "/pkg.Echo/Say",
            axum::routing::post(|| async {
                tracing::info!("saying");
                (
                    [("content-type", "application/grpc"), ("grpc-status", "0")],
                    "",
                )
            }),
        )
        .layer(qh::Tracking::new());
    let res = app
        .oneshot(grpc_request("/pkg.Echo/Say", "own-1"))
        .await
        .unwrap();
    let _ = axum::body::to_bytes(res.into_body(), usize::MAX).await;
    let line = capture
        .lines()
        .into_iter()
        .find(|l| l["fields"]["message"] == "saying")
        .unwrap();
    assert_eq!(line["span"]["otel.name"], "pkg.Echo/Say", "{line}");
    assert_eq!(line["span"]["rpc.service"], "pkg.Echo", "{line}");
    assert_eq!(line["span"]["rpc.method"], "Say", "{line}");
    let ended = spans.take();
    assert_eq!(ended[0]["otel.name"], "pkg.Echo/Say", "{ended:?}");
}

#[tokio::test]
async fn tonics_own_server_takes_the_layer_too() {
    let _logs = json_logs(&Capture::default());
    let service = Service::default();
    let seen = service.seen.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    tokio::spawn(
        tonic::transport::Server::builder()
            .layer(qh::Tracking::new())
            .add_service(HealthServer::new(service))
            .serve_with_incoming(incoming),
    );
    let mut client = client(addr).await;
    let res = client.check(check("", Some("tonic-1"))).await.unwrap();
    assert_eq!(echoed(res.metadata()), "tonic-1");
    assert_eq!(seen.take()[0].0, "tonic-1");
}

#[tokio::test]
async fn tonics_own_server_names_the_methods_it_serves() {
    let spans = Spans::default();
    let _logs = spans.install(&Capture::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    tokio::spawn(
        tonic::transport::Server::builder()
            .layer(qh::Tracking::new())
            .add_service(HealthServer::new(Service::default()))
            .serve_with_incoming(incoming),
    );
    let mut client = client(addr).await;
    client.check(check("", Some("tonic-2"))).await.unwrap();
    let items: Vec<_> = client
        .watch(check("", Some("tonic-3")))
        .await
        .unwrap()
        .into_inner()
        .collect()
        .await;
    assert_eq!(items.len(), 3);
    // The server's spans close after the answers reach the client.
    common::wait::until_true("the two request spans to close", || {
        spans.0.lock().unwrap().len() == 2
    })
    .await;
    let ended = spans.take();
    let names: Vec<_> = ended
        .iter()
        .map(|s| {
            (
                s["request_id"].as_str(),
                s["otel.name"].as_str(),
                s["rpc.method"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("tonic-2", "grpc.health.v1.Health/Check", "Check"),
            ("tonic-3", "grpc.health.v1.Health/Watch", "Watch")
        ]
    );
}

/// An HTTP endpoint that checks the gRPC service, propagating the ID.
#[qh::endpoint(method = "GET", path = "/check")]
async fn check_upstream(
    #[extract] axum::extract::State(channel): axum::extract::State<Channel>,
) -> String {
    let mut client = HealthClient::with_interceptor(channel, qh::grpc::Propagate);
    let res = client
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap();
    tracing::info!("checked upstream");
    echoed(res.metadata())
}

#[tokio::test]
async fn http_to_grpc_passes_one_id_and_one_trace() {
    let capture = Capture::default();
    let _logs = json_logs(&capture);
    let service = Service::default();
    let seen = service.seen.clone();
    let grpc_addr = serve(service, qh::Tracking::new()).await;
    let channel = Channel::from_shared(format!("http://{grpc_addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let app = qh::routes![check_upstream]
        .layer(qh::Tracking::new())
        .with_state(channel);
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let res = common::send(
        &app,
        common::get_with(
            "/check",
            &[("x-request-id", "chain-1"), ("traceparent", traceparent)],
        ),
    )
    .await;
    assert_eq!(res.echoed(), "chain-1");
    // The gRPC service answered under the same ID, and saw the same trace.
    assert_eq!(res.json(), "chain-1");
    assert_eq!(
        seen.take(),
        [(
            "chain-1".to_owned(),
            "4bf92f3577b34da6a3ce929d0e0e4736".to_owned()
        )]
    );
    // Both services' lines carry the one ID and the one trace.
    let lines: Vec<_> = capture
        .lines()
        .into_iter()
        .filter(|l| {
            l["fields"]["message"] == "in the method"
                || l["fields"]["message"] == "checked upstream"
        })
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in lines {
        assert_eq!(line["request_id"], "chain-1", "{line}");
        assert_eq!(
            line["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736",
            "{line}"
        );
    }
}

/// An HTTP endpoint that checks the gRPC service twice through a client
/// wrapped in `qh::grpc::Propagate` as a layer; answers its own span ID.
#[qh::endpoint(method = "GET", path = "/check-twice")]
async fn check_twice(
    #[extract] axum::extract::State(channel): axum::extract::State<Channel>,
) -> String {
    use tower::Layer;
    let mut client = HealthClient::new(qh::grpc::Propagate.layer(channel));
    for _ in 0..2 {
        client
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .unwrap();
    }
    qh::trace_context::TraceContext::current()
        .unwrap()
        .span_id()
        .to_string()
}

/// Each gRPC call through the layer is a client span of its own: the
/// callee's parent is that span, one per call, never the caller's request
/// span; and the client span records the call's status.
#[tokio::test]
async fn each_grpc_call_through_the_layer_is_a_client_span() {
    let capture = Capture::default();
    let spans = Spans::default();
    let _spans = spans.install(&capture);
    let service = Service::default();
    let parents = service.seen.1.clone();
    let grpc_addr = serve(service, qh::Tracking::new()).await;
    let channel = Channel::from_shared(format!("http://{grpc_addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let app = qh::routes![check_twice]
        .layer(qh::Tracking::new())
        .with_state(channel);
    let res = common::send(&app, common::get_with("/check-twice", &[])).await;
    let own_span: String = serde_json::from_value(res.json()).unwrap();
    let parents = parents.0.lock().unwrap().clone();
    assert_eq!(parents.len(), 2, "{parents:?}");
    assert_ne!(parents[0], parents[1], "a span of its own per call");
    assert!(!parents.contains(&own_span), "{parents:?} {own_span}");
    let clients = spans.1 .0.lock().unwrap().clone();
    assert_eq!(clients.len(), 2, "{clients:?}");
    for client in &clients {
        assert_eq!(client["rpc.service"], "grpc.health.v1.Health", "{client:?}");
        assert_eq!(client["rpc.method"], "Check");
        assert_eq!(
            client.get("rpc.grpc.status_code").map(String::as_str),
            Some("0"),
            "{client:?}"
        );
        assert!(parents.contains(&client["span_id"]), "{client:?}");
    }
}
