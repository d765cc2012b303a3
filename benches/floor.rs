//! The floor under `qh::Tracking`: the least any layer can do that keeps
//! DESIGN.md's rule 1 (the layer resolves the ID once and stores it in the
//! request's extensions, where the endpoint takes it), written by hand with
//! nothing else: no validation, no owned copy, no trust, no trace context,
//! no span, no panic safety, the inner `call` outside the scope. It reads
//! `X-Request-ID` or makes a UUID v4, stores it, runs the inner service's
//! future and every poll of a streamed response body in a `task_local!`
//! scope (DESIGN.md's context store, which lasts until the body ends, as
//! issue 26 keeps it; a body of known length is in memory, and qh does not
//! wrap it either), and echoes the ID; the endpoint reads it from the
//! extensions.
//! Passed to `Router::layer` as `qh::Tracking` is, with an endpoint reading
//! the stored ID, it is a lower bound for `qh_layer_endpoint`: any layer
//! keeping rule 1 does at least this. benches/grpc.rs puts the same layer
//! around a gRPC service (`floor`), where nothing reads the stored ID.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode};
use axum::response::{Html, Response};
use axum::routing::get;
use axum::Router;
use tokio::task::futures::TaskLocalFuture;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static FLOOR_ID: HeaderValue;
}

/// The layer: one value, no state, as cheap to clone as a layer can be.
#[derive(Clone, Copy)]
pub(crate) struct FloorLayer;

impl<S> tower::Layer<S> for FloorLayer {
    type Service = Floor<S>;

    fn layer(&self, inner: S) -> Floor<S> {
        Floor(inner)
    }
}

#[derive(Clone)]
pub(crate) struct Floor<S>(S);

/// The ID as the layer stores it in the request.
#[derive(Clone)]
struct FloorId(HeaderValue);

impl<S, B> tower::Service<Request<B>> for Floor<S>
where
    S: tower::Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = FloorFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let id = match req.headers().get(X_REQUEST_ID) {
            Some(value) => value.clone(),
            None => {
                let mut buf = [0u8; 36];
                let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buf);
                HeaderValue::from_str(text).expect("uuid text is a header value")
            }
        };
        req.extensions_mut().insert(FloorId(id.clone()));
        FloorFuture {
            inner: FLOOR_ID.scope(id.clone(), self.0.call(req)),
            echo: Some(id),
        }
    }
}

pin_project_lite::pin_project! {
    pub(crate) struct FloorFuture<F> {
        #[pin]
        inner: TaskLocalFuture<HeaderValue, F>,
        echo: Option<HeaderValue>,
    }
}

impl<F, E> Future for FloorFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let res = ready!(this.inner.poll(cx))?;
        let Some(id) = this.echo.take() else {
            return Poll::Ready(Ok(res));
        };
        let (mut parts, body) = res.into_parts();
        parts.headers.insert(X_REQUEST_ID, id.clone());
        // A body of known length is in memory: polling it runs no code
        // that could ask for the ID (qh skips it too). Others are wrapped.
        let body = match body.size_hint().exact() {
            Some(_) => body,
            None => Body::new(FloorBody { inner: body, id }),
        };
        Poll::Ready(Ok(Response::from_parts(parts, body)))
    }
}

pin_project_lite::pin_project! {
    /// The response body, each of its polls in the request's scope.
    struct FloorBody {
        #[pin]
        inner: Body,
        id: HeaderValue,
    }
}

impl HttpBody for FloorBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let this = self.project();
        let inner = this.inner;
        FLOOR_ID.sync_scope(this.id.clone(), || inner.poll_frame(cx))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The endpoint's side: the stored ID, cloned out of the extensions.
struct StoredId(HeaderValue);

impl<S: Send + Sync> FromRequestParts<S> for StoredId {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, StatusCode> {
        match parts.extensions.get::<FloorId>() {
            Some(FloorId(id)) => Ok(Self(id.clone())),
            None => Err(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

async fn floor_hello(StoredId(id): StoredId) -> Html<&'static str> {
    black_box(id);
    Html("hello")
}

/// `GET /` answered by an endpoint that reads the stored ID, under the
/// floor layer (passed to `Router::layer`, as `qh::Tracking` is).
pub(crate) fn app() -> Router {
    Router::new().route("/", get(floor_hello)).layer(FloorLayer)
}
