//! gRPC under `qh::Tracking`: tonic's health service (its generated server
//! and client; the methods are ours) served on 127.0.0.1 beside HTTP
//! routes, called by tonic's client. The ID from `x-request-id` metadata is
//! kept, generated or replaced as for HTTP, echoed in the response
//! metadata, current in unary and server-streaming methods; a panic is the
//! status `INTERNAL` with the ID; the span is named for the method and ends
//! with the call's `grpc-status`; an HTTP endpoint calling the service with
//! `qh::grpc::Propagate` passes one ID and one trace.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use common::capture::{json_logs, Capture};
use futures_util::stream::{self, StreamExt};
use tonic::transport::Channel;
use tonic::{Code, Request, Response, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::health_server::{Health, HealthServer};
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

/// What the methods saw: the current ID and trace ID, per call or item.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, String)>>>);

impl Seen {
    fn record(&self) -> String {
        let id = qh::request_id().map_or("none".to_owned(), |id| id.to_string());
        let trace = qh::trace_context::TraceContext::current_or_start()
            .map_or("none".to_owned(), |tc| tc.trace_id().to_string());
        tracing::info!("in the method");
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
    let _logs = json_logs(&capture);
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
    // The method ran in the request span, named for the gRPC method.
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
        assert_eq!(line["span"]["rpc.method"], "Check", "{line}");
    }
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
