//! gRPC (the cargo feature `grpc`, tonic 0.14): the outbound half.
//!
//! The inbound half needs no feature: [`Tracking`](crate::Tracking) serves
//! tonic services as it serves axum routers, with tonic's
//! `Server::builder().layer(qh::Tracking::new())` or under one layer beside
//! HTTP routes (`tonic::service::Routes::into_axum_router()`). For a gRPC
//! call (a `POST` with `content-type: application/grpc…`, the only method
//! gRPC uses; any other request is served as HTTP) the ID comes from the
//! `x-request-id` metadata (the configured header, with the same validation
//! and trust rules) and is echoed in the response metadata;
//! `qh::request_id()` and the context hold in the service method and in a
//! streaming response; the request span is named for the method
//! (`package.Service/Method`, with `rpc.system`, `rpc.service`,
//! `rpc.method`) once the app is known to serve it: from the matched route,
//! or, with tonic's `/{service}/{*rest}` routes and tonic's own server, from
//! the answer (anything but `UNIMPLEMENTED`, which tonic answers for a
//! service or method it does not have). Calls to anything else share the
//! span name `grpc`, with no `rpc.method` and the path recorded nowhere, so
//! clients cannot mint span names. The span completes with the call's
//! `grpc-status` (read from the trailers); and every answer qh makes
//! itself is a gRPC status, never a problem document: a panic in a method
//! answers `INTERNAL` (trailers-only, `grpc-status: 13`) with the ID in
//! its metadata, and the server keeps serving.
//!
//! Outbound, [`Propagate`] makes every call an
//! [`OutboundCall`]: a client span of its
//! own (`rpc.system`, `rpc.service`, `rpc.method`, the final
//! `rpc.grpc.status_code`, the request's ID) whose span ID goes out in
//! `traceparent` with the request's ID, so an HTTP endpoint calling a gRPC
//! service passes on one ID and one trace, and the call shows in the trace
//! with its own latency. Put it around the channel as a tower layer:
//!
//! ```
//! use tower::Layer;
//!
//! // What `MyServiceClient::new(qh::grpc::Propagate.layer(channel))` is
//! // built on: every call made through it is a client span of its own.
//! fn traced<C>(channel: C) -> qh::grpc::PropagateService<C> {
//!     qh::grpc::Propagate.layer(channel)
//! }
//! ```
//!
//! As an interceptor (`MyServiceClient::with_interceptor(channel,
//! qh::grpc::Propagate)`) it cannot see the answer: each call still gets a
//! client span and span ID of its own, the callee's parent, but the span
//! ends as the call leaves, with no status.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use http_body::{Body, Frame, SizeHint};
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue};
use tonic::service::Interceptor;
use tonic::{Request, Status};
use tower::{Layer, Service};

use crate::propagation::{Kind, OutboundCall, Target};
use crate::tracking::grpc::status_in;

/// Makes each outbound tonic call a client span of its own and adds what
/// it carries from the current request (its ID under the header it was
/// resolved under, `traceparent` naming the call's span, `tracestate`, the
/// headers of extracted `TrackingContext`s; see
/// [`qh::propagation::headers`](crate::propagation::headers)). Outside a
/// request it adds nothing.
///
/// As a tower [`Layer`] around the channel (`MyServiceClient::new(
/// qh::grpc::Propagate.layer(channel))`): the client span lasts until the
/// answer's status and records it. As a tonic [`Interceptor`]
/// (`MyServiceClient::with_interceptor(channel, qh::grpc::Propagate)`): the
/// span is the call's own, but ends as the call leaves, without a status.
///
/// # Examples
///
/// As an interceptor, what each call made through
/// `MyServiceClient::with_interceptor(channel, qh::grpc::Propagate)` gets:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::{context::Context, grpc::Propagate, RequestId};
/// use tonic::service::Interceptor;
///
/// Context::new(RequestId::from_static("req-7"))
///     .scope(async {
///         let call = Propagate.call(tonic::Request::new(())).unwrap();
///         assert_eq!(call.metadata().get("x-request-id").unwrap(), "req-7");
///         assert!(call.metadata().get("traceparent").is_some());
///     })
///     .await;
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Propagate;

impl Interceptor for Propagate {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        // Generated clients name the method in an extension.
        let path = request
            .extensions()
            .get::<tonic::GrpcMethod<'static>>()
            .map(|m| format!("/{}/{}", m.service(), m.method()));
        let target = Target {
            scheme: "http",
            host: "",
            port: None,
            path: "",
        };
        let call = OutboundCall::begin(Kind::Grpc(path.as_deref().unwrap_or("")), target);
        copy_metadata(call.headers(), request.metadata_mut());
        call.leave();
        Ok(request)
    }
}

/// Adds `headers` to a call's metadata.
fn copy_metadata(headers: &http::HeaderMap, metadata: &mut tonic::metadata::MetadataMap) {
    for (name, value) in headers {
        let (Ok(key), Ok(value)) = (
            AsciiMetadataKey::from_bytes(name.as_str().as_bytes()),
            AsciiMetadataValue::try_from(value.as_bytes()),
        ) else {
            continue;
        };
        metadata.append(key, value);
    }
}

impl<S> Layer<S> for Propagate {
    type Service = PropagateService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PropagateService { inner }
    }
}

/// The service [`Propagate`] wraps around a tonic channel.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::convert::Infallible;
///
/// use axum::http::{Request, Response};
/// use qh::{context::Context, RequestId};
/// use tower::{service_fn, Layer, Service, ServiceExt};
/// use qh::grpc::{Propagate, PropagateService};
///
/// // A stand-in for a tonic `Channel`: answers with the ID it was sent.
/// let channel = service_fn(|req: Request<String>| async move {
///     let id = req.headers()["x-request-id"].to_str().unwrap().to_owned();
///     Ok::<_, Infallible>(Response::builder().header("grpc-status", "0").body(id).unwrap())
/// });
/// // `MyServiceClient::new(client)` in an app.
/// let client: PropagateService<_> = Propagate.layer(channel);
///
/// Context::new(RequestId::from_static("req-7"))
///     .scope(async move {
///         let call = Request::post("http://stock:50051/stock.Stock/Get").body(String::new()).unwrap();
///         let res = client.oneshot(call).await.unwrap();
///         let body = axum::body::to_bytes(axum::body::Body::new(res.into_body()), 64).await.unwrap();
///         assert_eq!(&body[..], b"req-7");
///     })
///     .await;
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct PropagateService<S> {
    inner: S,
}

impl<S, B, RB> Service<http::Request<B>> for PropagateService<S>
where
    S: Service<http::Request<B>, Response = http::Response<RB>>,
{
    type Response = http::Response<CallBody<RB>>;
    type Error = S::Error;
    type Future = CallFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let uri = req.uri();
        let target = Target {
            scheme: uri.scheme_str().unwrap_or("http"),
            host: uri.host().unwrap_or(""),
            port: uri.port_u16(),
            path: uri.path(),
        };
        let call = OutboundCall::begin(Kind::Grpc(uri.path()), target);
        let headers = req.headers_mut();
        for (name, value) in call.headers() {
            if !headers.contains_key(name) {
                headers.append(name.clone(), value.clone());
            }
        }
        let future = {
            let _entered = call.span().enter();
            self.inner.call(req)
        };
        CallFuture {
            inner: future,
            call: Some(call),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`PropagateService`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::convert::Infallible;
    ///
    /// use axum::http::{Request, Response};
    /// use qh::grpc::{CallFuture, Propagate};
    /// use tower::{service_fn, Layer, Service, ServiceExt};
    ///
    /// // A stand-in for a tonic `Channel`, answering `OK` at once.
    /// let channel = service_fn(|_req: Request<String>| async {
    ///     Ok::<_, Infallible>(Response::builder().header("grpc-status", "0").body(String::new()).unwrap())
    /// });
    /// let mut client = Propagate.layer(channel);
    /// let call = Request::post("http://stock:50051/stock.Stock/Get").body(String::new()).unwrap();
    /// // The call's client span is open from `call` until the answer's status.
    /// let future: CallFuture<_> = client.ready().await.unwrap().call(call);
    /// assert_eq!(future.await.unwrap().headers()["grpc-status"], "0");
    /// # }
    /// ```
    pub struct CallFuture<F> {
        #[pin]
        inner: F,
        call: Option<OutboundCall>,
    }
}

impl<F, RB, E> Future for CallFuture<F>
where
    F: Future<Output = Result<http::Response<RB>, E>>,
{
    type Output = Result<http::Response<CallBody<RB>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let polled = match this.call.as_ref() {
            Some(call) => {
                let _entered = call.span().enter();
                ready!(this.inner.poll(cx))
            }
            None => ready!(this.inner.poll(cx)),
        };
        let call = this.call.take();
        Poll::Ready(match polled {
            Ok(res) => {
                // A trailers-only answer carries its status in the headers.
                let call = match (call, status_in(res.headers())) {
                    (Some(call), Some(code)) => {
                        call.end_grpc(Some(code));
                        None
                    }
                    (call, _) => call,
                };
                Ok(res.map(|inner| CallBody { inner, call }))
            }
            Err(e) => {
                if let Some(call) = call {
                    call.fail("transport");
                }
                Err(e)
            }
        })
    }
}

pin_project_lite::pin_project! {
    /// The answer's body: the call's client span ends with its trailers
    /// (the `grpc-status`), or when it ends or is dropped without them.
    ///
    /// # Examples
    ///
    /// A streaming answer is read through it, as tonic's generated client
    /// does:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::convert::Infallible;
    ///
    /// use axum::http::{Request, Response};
    /// use qh::grpc::{CallBody, Propagate};
    /// use tower::{service_fn, Layer, ServiceExt};
    ///
    /// // A stand-in for a tonic `Channel`, answering with a body.
    /// let channel = service_fn(|_req: Request<String>| async {
    ///     Ok::<_, Infallible>(Response::new(String::from("stock: 12")))
    /// });
    /// let call = Request::post("http://stock:50051/stock.Stock/Watch").body(String::new()).unwrap();
    /// let res = Propagate.layer(channel).oneshot(call).await.unwrap();
    /// let body: CallBody<String> = res.into_body();
    /// let bytes = axum::body::to_bytes(axum::body::Body::new(body), 64).await.unwrap();
    /// assert_eq!(&bytes[..], b"stock: 12");
    /// # }
    /// ```
    pub struct CallBody<B> {
        #[pin]
        inner: B,
        call: Option<OutboundCall>,
    }
}

impl<B: Body> Body for CallBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        let ended = match &frame {
            Some(Ok(frame)) => frame.trailers_ref().and_then(status_in).map(Ok),
            Some(Err(_)) => Some(Err("transport")),
            None => Some(Ok(u16::MAX)),
        };
        if let Some(ended) = ended {
            let Some(call) = this.call.take() else {
                return Poll::Ready(frame);
            };
            match ended {
                Ok(u16::MAX) => call.end_grpc(None),
                Ok(code) => call.end_grpc(Some(code)),
                Err(error) => call.fail(error),
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use crate::id::RequestId;

    #[test]
    fn the_current_id_and_trace_go_out_as_metadata() {
        let out = Context::new(RequestId::from_static("grpc-out-1"))
            .sync_scope(|| Propagate.call(Request::new(())).unwrap());
        let metadata = out.metadata();
        assert_eq!(metadata.get("x-request-id").unwrap(), "grpc-out-1");
        assert!(metadata.get("traceparent").is_some());
    }

    #[test]
    fn outside_a_request_nothing_is_added() {
        let out = Propagate.call(Request::new(())).unwrap();
        assert!(out.metadata().is_empty());
    }
}
