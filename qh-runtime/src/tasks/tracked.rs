//! Gives the task routes an ID, a context and an echo when the app has no
//! [`Tracking`] layer, without a second request span when it has one.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use http::{Request, Response};
use tower::{Layer, Service};

use crate::{Resolved, Tracking, TrackingService};

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

#[derive(Clone, Copy)]
pub(crate) struct EnsureTracked;

impl<S: Clone> Layer<S> for EnsureTracked {
    type Service = EnsureTrackedService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        EnsureTrackedService {
            tracked: Tracking::defaults().layer(inner.clone()),
            plain: inner,
        }
    }
}

#[derive(Clone)]
pub(crate) struct EnsureTrackedService<S> {
    plain: S,
    tracked: TrackingService<S>,
}

impl<S, B, R> Service<Request<B>> for EnsureTrackedService<S>
where
    S: Service<Request<B>, Response = Response<R>> + Send + 'static,
    S::Future: Send + 'static,
    R: 'static,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<R>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        // Both wrap clones of one route, ready together.
        match self.plain.poll_ready(cx) {
            Poll::Ready(Ok(())) => self.tracked.poll_ready(cx),
            other => other,
        }
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        if req.extensions().get::<Resolved>().is_some() {
            // The app's own layer already tracks this request.
            Box::pin(self.plain.call(req))
        } else {
            Box::pin(self.tracked.call(req))
        }
    }
}
