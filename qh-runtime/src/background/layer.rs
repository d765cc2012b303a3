//! The layer that holds a request's background jobs until its response body
//! has been sent.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context as TaskContext, Poll};

use axum::body::Body;
use bytes::Bytes;
use http::{Request, Response};
use http_body::Frame;
use tower::{Layer, Service};

use super::BackgroundTasks;

/// Where the layer finds the request's job list once the handler is done.
#[derive(Clone, Default)]
pub(crate) struct Slot(Arc<Mutex<Option<BackgroundTasks>>>);

impl Slot {
    pub(crate) fn get(&self) -> Option<BackgroundTasks> {
        self.lock().clone()
    }

    pub(crate) fn set(&self, tasks: BackgroundTasks) {
        *self.lock() = Some(tasks);
    }

    fn take(&self) -> Option<BackgroundTasks> {
        self.lock().take()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<BackgroundTasks>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Holds [`BackgroundTasks`] jobs until the response body has been sent (or
/// dropped), so they never compete with the response they follow.
///
/// Put it inside [`Tracking`](crate::Tracking) (added before it with
/// `.layer`), so the jobs' context is the tracked request's:
///
/// ```
/// use axum::{routing::get, Router};
///
/// let app: Router = Router::new()
///     .route("/", get(|| async { "ok" }))
///     .layer(qh::background::layer())
///     .layer(qh::Tracking::new());
/// ```
#[must_use]
pub fn layer() -> BackgroundLayer {
    BackgroundLayer { _private: () }
}

/// The tower layer made by [`layer()`].
#[derive(Clone, Copy, Debug)]
pub struct BackgroundLayer {
    _private: (),
}

impl<S> Layer<S> for BackgroundLayer {
    type Service = BackgroundService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BackgroundService { inner }
    }
}

/// The service [`BackgroundLayer`] wraps around a router or route.
#[derive(Clone, Debug)]
pub struct BackgroundService<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for BackgroundService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BackgroundFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let slot = Slot::default();
        req.extensions_mut().insert(slot.clone());
        BackgroundFuture {
            inner: self.inner.call(req),
            slot,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`BackgroundService`].
    pub struct BackgroundFuture<F> {
        #[pin]
        inner: F,
        slot: Slot,
    }
}

impl<F, B, E> Future for BackgroundFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.inner.poll(cx))?;
        Poll::Ready(Ok(match this.slot.take() {
            Some(jobs) => response.map(|body| Body::new(WithJobs { body, _jobs: jobs })),
            None => response.map(Body::new),
        }))
    }
}

pin_project_lite::pin_project! {
    // A response body that keeps the job list alive: dropping it (after the
    // last byte was written, or when the connection goes) starts the jobs.
    struct WithJobs<B> {
        #[pin]
        body: B,
        _jobs: BackgroundTasks,
    }
}

impl<B: http_body::Body> http_body::Body for WithJobs<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        self.project().body.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
