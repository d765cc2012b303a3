//! One ID across HTTP and gRPC: an HTTP endpoint calls a gRPC service, and
//! the ID and the trace ID are the same in the HTTP answer, in the gRPC
//! method and in both services' log lines.
//!
//! ```text
//! cargo run --example grpc --features grpc
//! ```
//!
//! Both listen on 127.0.0.1 (ephemeral ports) in this one process. The gRPC
//! service is tonic's health service (its generated server, so no `protoc`
//! is needed; the method is ours), served under `qh::Tracking` beside an
//! HTTP route; the endpoint calls it through a tonic client with the
//! `qh::grpc::Propagate` interceptor, which adds `x-request-id` and
//! `traceparent` to the call's metadata.

use std::net::SocketAddr;

use axum::extract::State;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::health_server::{Health, HealthServer};
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

/// The gRPC side: a health service whose `Check` logs what it sees.
#[derive(Clone, Copy, Default)]
struct Inventory;

#[tonic::async_trait]
impl Health for Inventory {
    async fn check(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        // The context of the gRPC call: the HTTP request's ID and trace.
        tracing::info!("gRPC: checking the inventory");
        Ok(Response::new(HealthCheckResponse {
            status: ServingStatus::Serving as i32,
        }))
    }

    type WatchStream = tokio_stream::Empty<Result<HealthCheckResponse, Status>>;

    async fn watch(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        Err(Status::unimplemented("watch is not served here"))
    }
}

/// The HTTP side: `GET /ready` asks the gRPC service.
#[qh::endpoint(method = "GET", path = "/ready")]
async fn ready(
    request_id: qh::RequestId,
    #[extract] State(channel): State<Channel>,
) -> Result<serde_json::Value, qh::Error> {
    tracing::info!("HTTP: asking the inventory over gRPC");
    let mut client = HealthClient::with_interceptor(channel, qh::grpc::Propagate);
    let answer = client
        .check(HealthCheckRequest::default())
        .await
        .map_err(|status| {
            tracing::warn!(code = ?status.code(), "HTTP: the inventory failed");
            qh::Error::new(axum::http::StatusCode::BAD_GATEWAY, "inventory unavailable")
        })?;
    let grpc_id = answer
        .metadata()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok());
    Ok(serde_json::json!({
        "request_id": request_id,
        "grpc_request_id": grpc_id,
        "serving": answer.get_ref().status == ServingStatus::Serving as i32,
    }))
}

async fn serve(app: axum::Router) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "server stopped");
        }
    });
    Ok(addr)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    qh::logs::json()
        .default_filter("warn,grpc=info")
        .format(qh::logs::JsonFormat::new().spans(false))
        .init();
    // The gRPC service, under the same layer as any HTTP route.
    let grpc = tonic::service::Routes::new(HealthServer::new(Inventory))
        .into_axum_router()
        .layer(qh::Tracking::new());
    let grpc_addr = serve(grpc).await?;
    let channel = Channel::from_shared(format!("http://{grpc_addr}"))?
        .connect()
        .await?;
    let http = qh::routes![ready]
        .layer(qh::Tracking::new())
        .with_state(channel);
    let http_addr = serve(http).await?;
    println!("HTTP on {http_addr}, gRPC on {grpc_addr}\n");

    let answer = get_ready(http_addr).await?;
    println!("<-- {answer}");
    Ok(())
}

/// One `GET /ready` from outside, with an ID and a caller's `traceparent`,
/// written as HTTP/1.1 on a TCP stream (no client library needed): the
/// answer's `x-request-id` and body.
async fn get_ready(addr: SocketAddr) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = "GET /ready HTTP/1.1\r\nhost: 127.0.0.1\r\nx-request-id: demo-grpc-1\r\n\
         traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\
         connection: close\r\n\r\n";
    println!("--> GET /ready  x-request-id: demo-grpc-1  traceparent: 00-4bf9…-01");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    let id = answer
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .unwrap_or("-")
        .to_owned();
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    Ok(format!("x-request-id: {id}  {body}"))
}
