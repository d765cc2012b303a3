//! [`InScope`]: the one future of a tracked request, polled inside its
//! [`RequestScope`]: the `Tracking` layer's inner service, or an endpoint's
//! body with no layer above.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use axum::body::{Bytes, HttpBody};
use axum::response::Response;
use axum::BoxError;

use super::body::{panicked, respond};
use super::scope::RequestScope;
use crate::support::unwind::CatchUnwind;

pin_project_lite::pin_project! {
    /// A request's future polled inside its [`RequestScope`]: the layer's
    /// inner service, or an endpoint's body with no layer above. Its
    /// response comes out echoed, with the scope moved into the body.
    pub(crate) struct InScope<F> {
        #[pin]
        inner: CatchUnwind<F>,
        scope: Option<RequestScope>,
    }
}

impl<F> InScope<F> {
    pub(crate) fn new(scope: RequestScope, inner: F) -> Self {
        Self {
            inner: CatchUnwind::new(inner),
            scope: Some(scope),
        }
    }
}

impl<F, B, E> Future for InScope<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(scope) = this.scope.as_ref() else {
            panic!("a qh request future was polled after it completed");
        };
        let inner = this.inner;
        let Poll::Ready(polled) = scope.run(|| inner.poll(cx)) else {
            return Poll::Pending;
        };
        let Some(scope) = this.scope.take() else {
            unreachable!("the scope was there a moment ago");
        };
        Poll::Ready(match polled {
            Ok(Ok(response)) => Ok(respond(scope, response)),
            // The inner service failed: no response to echo on; the scope
            // records the request as aborted when it drops.
            Ok(Err(error)) => Err(error),
            Err(payload) => Ok(panicked(scope, &payload)),
        })
    }
}
