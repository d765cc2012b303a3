//! A floor under `qh::Tracking`: the cheapest layer we could write by hand
//! that keeps DESIGN.md's rule 1 (the layer resolves the ID once and
//! stores it in the request's extensions, where the endpoint takes it) and
//! the request's context until a streamed body ends (which the cost issue
//! keeps), with nothing else: no validation, no owned copy, no trust, no
//! trace context, no span, no panic safety, the inner `call` outside the
//! context. It reads `X-Request-ID` (a reference-counted clone) or makes a
//! UUID v4 (kept as 16 bytes, its text made once for the echo), stores
//! it, makes it current in a thread-local cell around each poll of the
//! inner future and of a streamed body (a body of known length is in
//! memory, and qh does not wrap it either), and echoes it, moved (the
//! endpoint of hot_path's `floor_layer` clones it out of the extensions).
//! Passed to `Router::layer` as
//! `qh::Tracking` is, it shows what a layer keeping that contract costs
//! at the least we found; it is not a proof that none can cost less.
//! benches/grpc.rs puts the same layer around a gRPC service (`floor`),
//! where nothing reads the stored ID.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{HeaderValue, Request};
use axum::response::Response;

// The header name each bench binary (hot_path, grpc) names at its root.
use crate::X_REQUEST_ID;

/// The request's ID as the floor keeps it: the incoming header's value (a
/// reference count to clone), or a generated UUID (16 bytes to copy).
#[derive(Clone)]
pub(crate) enum FloorId {
    Incoming(HeaderValue),
    Generated(uuid::Uuid),
}

impl FloorId {
    /// The value echoed: the incoming one moved, a generated one's text.
    fn into_echo(self) -> HeaderValue {
        match self {
            Self::Incoming(value) => value,
            Self::Generated(uuid) => {
                let mut buf = [0u8; 36];
                let text = uuid.hyphenated().encode_lower(&mut buf);
                HeaderValue::from_str(text).expect("uuid text is a header value")
            }
        }
    }
}

thread_local! {
    /// The context store: the current request's ID.
    static CURRENT: Cell<Option<FloorId>> = const { Cell::new(None) };
}

/// Runs `f` with the slot's ID current, and takes it back afterwards (not
/// on a panic: the floor has no panic safety).
fn within<R>(slot: &mut Option<FloorId>, f: impl FnOnce() -> R) -> R {
    CURRENT.with(|current| {
        let outer = current.replace(slot.take());
        let out = f();
        *slot = current.replace(outer);
        out
    })
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
            Some(value) => FloorId::Incoming(value.clone()),
            None => FloorId::Generated(uuid::Uuid::new_v4()),
        };
        req.extensions_mut().insert(id.clone());
        FloorFuture {
            inner: self.0.call(req),
            slot: Some(id),
        }
    }
}

pin_project_lite::pin_project! {
    pub(crate) struct FloorFuture<F> {
        #[pin]
        inner: F,
        slot: Option<FloorId>,
    }
}

impl<F, E> Future for FloorFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let inner = this.inner;
        let mut res = ready!(within(this.slot, || inner.poll(cx)))?;
        let Some(id) = this.slot.take() else {
            return Poll::Ready(Ok(res));
        };
        // A body of known length is in memory: polling it runs no code
        // that could ask for the ID (qh skips it too). Others are wrapped.
        if res.body().size_hint().exact().is_some() {
            res.headers_mut().insert(X_REQUEST_ID, id.into_echo());
            return Poll::Ready(Ok(res));
        }
        res.headers_mut()
            .insert(X_REQUEST_ID, id.clone().into_echo());
        Poll::Ready(Ok(res.map(|inner| {
            Body::new(FloorBody {
                inner,
                slot: Some(id),
            })
        })))
    }
}

pin_project_lite::pin_project! {
    /// A streamed response body, each of its polls in the request's scope.
    struct FloorBody {
        #[pin]
        inner: Body,
        slot: Option<FloorId>,
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
        within(this.slot, || inner.poll_frame(cx))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
