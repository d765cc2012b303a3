//! The response of a tracked request: its head echoed ([`respond`]), its
//! body a [`TrackedBody`] that keeps the request's scope until it ends, so a
//! streamed body or an SSE stream is polled in the request's context and
//! span, and the request completes when the last frame is sent. A body of
//! known length whose end nothing waits for (no span listened to, no access
//! line) is left unwrapped: a buffered answer pays nothing for the wrapping.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::response::{IntoResponse, Response};
use axum::BoxError;
use http_body::{Frame, SizeHint};

use super::grpc;
use super::scope::RequestScope;
use super::span::Outcome;
use crate::error::Error;
use crate::support::text::{cut, ECHO_LIMIT};
use crate::support::unwind::{self, Payload};

/// The response head is ready: the ID is echoed on it, and the rest of the
/// scope goes with the body, which completes it.
#[inline]
pub(crate) fn respond<B>(mut scope: RequestScope, mut response: http::Response<B>) -> Response
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    if let Some((name, value)) = scope.take_echo() {
        response.headers_mut().insert(name, value);
    }
    if !scope.completes() {
        // Nothing to complete: the owner's body wrapper keeps the scope.
        return response.map(Body::new);
    }
    if !scope.records() && !scope.keeps() && response.body().size_hint().exact().is_some() {
        // A body of known length (bytes in memory, in practice) whose end
        // nothing waits for: no span to close, no access line, no jobs to
        // start after it. It is not wrapped, so a buffered answer pays
        // nothing for the wrapping; the scope ends here (its metrics are
        // recorded now: the rest is the server sending bytes in memory).
        scope.measure_now(response.status());
        return response.map(Body::new);
    }
    let (parts, body) = response.into_parts();
    scope.set_status(parts.status);
    if scope.is_grpc() {
        // A trailers-only answer carries its status in the headers.
        if let Some(code) = grpc::status_in(&parts.headers) {
            scope.set_grpc_status(code);
        }
        scope.rpc_answered(grpc::answer_serves(parts.status, &parts.headers));
    }
    Response::from_parts(parts, Body::new(TrackedBody::new(body, scope)))
}

/// The answer to a panic caught while polling inside the scope: 500
/// `application/problem+json` with the ID, or for a gRPC call the status
/// `INTERNAL` (trailers-only) with the ID in its metadata.
pub(crate) fn panicked(scope: RequestScope, payload: &Payload) -> Response {
    let grpc = scope.is_grpc();
    let response = scope.run(|| {
        let error = Error::from_panic(&**payload);
        if grpc {
            grpc::status_response(grpc::INTERNAL, PANICKED)
        } else {
            error.into_response()
        }
    });
    respond(scope, response)
}

/// What a client is told of a panic: the details stay in the logs.
const PANICKED: &str = "the request handler panicked; the server logs have the details";

pin_project_lite::pin_project! {
    /// The body of a tracked response: every poll runs inside the
    /// request's scope; the request's completion (status, latency, access
    /// line, span end) is recorded when the body ends, fails, or is dropped
    /// before its end.
    pub(crate) struct TrackedBody<B: HttpBody> {
        #[pin]
        inner: B,
        scope: Option<RequestScope>,
    }

    impl<B: HttpBody> PinnedDrop for TrackedBody<B> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(scope) = this.scope.as_mut() {
                // A body that had nothing more to send (hyper drops an
                // empty one unpolled) ended; any other was cut short.
                let ended = this.inner.as_ref().get_ref().is_end_stream();
                scope.complete(if ended { Outcome::Ended } else { Outcome::Aborted });
            }
        }
    }
}

impl<B: HttpBody> TrackedBody<B> {
    pub(crate) fn new(inner: B, scope: RequestScope) -> Self {
        Self {
            inner,
            scope: Some(scope),
        }
    }
}

impl<B> HttpBody for TrackedBody<B>
where
    B: HttpBody<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut this = self.project();
        let Some(scope) = this.scope.as_mut() else {
            // Completed: at its end, or failed (and not polled again).
            return Poll::Ready(None);
        };
        let grpc = scope.is_grpc();
        let mut inner = this.inner.as_mut();
        let (answer, ended) = scope.run_then_complete(|status| {
            let polled = catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll_frame(cx)));
            let (answer, outcome) = match polled {
                Ok(Poll::Pending) => (Poll::Pending, None),
                Ok(Poll::Ready(None)) => (Poll::Ready(None), Some(Outcome::Ended)),
                Ok(Poll::Ready(Some(Ok(frame)))) => {
                    if let Some(code) = frame.trailers_ref().and_then(grpc::status_in) {
                        status.grpc = Some(code);
                    }
                    let ended = inner.is_end_stream();
                    (
                        Poll::Ready(Some(Ok(frame))),
                        ended.then_some(Outcome::Ended),
                    )
                }
                Ok(Poll::Ready(Some(Err(error)))) => {
                    (Poll::Ready(Some(Err(error.into()))), Some(Outcome::Failed))
                }
                Err(payload) => {
                    let message = unwind::text(&*payload).unwrap_or("non-string panic payload");
                    let message = cut(message, 4 * ECHO_LIMIT);
                    tracing::error!(panic = %message, "response body panicked");
                    if grpc {
                        // A gRPC client reads a reset stream as a transport
                        // error: end the call with its status instead.
                        status.grpc = Some(grpc::INTERNAL);
                        let trailers = grpc::status_trailers(grpc::INTERNAL, PANICKED);
                        (
                            Poll::Ready(Some(Ok(Frame::trailers(trailers)))),
                            Some(Outcome::Failed),
                        )
                    } else {
                        let error: BoxError = "the response body panicked".into();
                        (Poll::Ready(Some(Err(error))), Some(Outcome::Failed))
                    }
                }
            };
            ((answer, outcome.is_some()), outcome)
        });
        if ended {
            // Completed inside the poll: the scope has nothing left to do.
            *this.scope = None;
        }
        answer
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
