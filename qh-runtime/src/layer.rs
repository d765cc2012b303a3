//! The tower service of [`Tracking`]: resolves once, stores the resolution
//! in the request, runs everything below in the request's context and span,
//! echoes the ID and turns panics into 500 problems.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{ready, Context as TaskContext, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::MatchedPath;
use axum::response::{IntoResponse, Response};
use axum::BoxError;
use http::{HeaderName, HeaderValue, Request, StatusCode};
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};
use tracing::instrument::Instrumented;
use tracing::Instrument;

use crate::context::Context;
use crate::error::{Error, ErrorKind};
use crate::panic::{self, CatchUnwind};
use crate::resolve::{Fresh, Resolved};
use crate::span::{incoming_trace, Completion, RequestSpan};
use crate::tracking::Tracking;

impl<S> Layer<S> for Tracking {
    type Service = TrackingService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TrackingService {
            inner,
            tracking: self.clone(),
        }
    }
}

/// The service [`Tracking`] wraps around a router or route.
#[derive(Clone, Debug)]
pub struct TrackingService<S> {
    inner: S,
    tracking: Tracking,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for TrackingService<S>
where
    S: Service<Request<ReqBody>, Response = http::Response<ResBody>>,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = TrackingFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        if req.extensions().get::<Resolved>().is_some() {
            // A `Tracking` layer further out owns this request: one request,
            // one resolution, one span, one echo.
            return TrackingFuture::nested(self.inner.call(req));
        }
        let Fresh { resolved, echo } = match self
            .tracking
            .resolve(req.headers(), self.tracking.header_name())
        {
            Ok(fresh) => fresh,
            Err(failure) => return TrackingFuture::failed(failure.fresh, failure.what),
        };
        let route = || {
            req.extensions()
                .get::<MatchedPath>()
                .map(MatchedPath::as_str)
        };
        let trace = incoming_trace(req.headers());
        let (span, done) = RequestSpan::new(
            self.tracking.span_config(),
            &resolved,
            req.method(),
            route,
            trace.as_ref(),
        )
        .into_parts();
        let echo = (resolved.header().clone(), echo);
        req.extensions_mut().insert(resolved.clone());
        // The inner service's `call` runs in the context and span too, so
        // inner middleware (tower-http's `make_span`, say) sees the ID.
        let inner = &mut self.inner;
        let ctx = Context::from_resolved(resolved).with_incoming_trace(trace);
        let (called, ctx) = ctx.enter(|| {
            let _entered = span.enter();
            catch_unwind(AssertUnwindSafe(|| inner.call(req)))
                .map_err(|payload| Box::new(panic::response(&*payload)))
        });
        match called {
            Ok(future) => TrackingFuture {
                state: State::Tracked {
                    inner: ctx.scoped(Answer::new(future)).instrument(span),
                    echo: Some(echo),
                    done: Some(done),
                },
            },
            Err(response) => TrackingFuture::ready(*response, echo),
        }
    }
}

impl<F> TrackingFuture<F> {
    fn nested(inner: F) -> Self {
        Self {
            state: State::Nested { inner },
        }
    }

    fn ready(mut response: Response, (name, value): (HeaderName, HeaderValue)) -> Self {
        response.headers_mut().insert(name, value);
        Self {
            state: State::Ready {
                response: Some(response),
            },
        }
    }

    fn failed(fresh: Fresh, what: &'static str) -> Self {
        let response =
            Error::with_kind(ErrorKind::Internal, StatusCode::INTERNAL_SERVER_ERROR, what)
                .with_resolved(&fresh.resolved)
                .into_response();
        Self::ready(response, (fresh.resolved.header().clone(), fresh.echo))
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`TrackingService`].
    pub struct TrackingFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F> {
        Nested {
            #[pin]
            inner: F,
        },
        Tracked {
            #[pin]
            inner: Instrumented<TaskLocalFuture<Context, Answer<F>>>,
            echo: Option<(HeaderName, HeaderValue)>,
            done: Option<Completion>,
        },
        Ready {
            response: Option<Response>,
        },
    }
}

impl<F, B, E> Future for TrackingFuture<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Nested { inner } => {
                Poll::Ready(ready!(inner.poll(cx)).map(|res| res.map(Body::new)))
            }
            StateProj::Tracked {
                mut inner,
                echo,
                done,
            } => {
                let mut response = ready!(inner.as_mut().poll(cx))?;
                if let Some((name, value)) = echo.take() {
                    response.headers_mut().insert(name, value);
                }
                if let Some(done) = done.take() {
                    done.complete(inner.span(), response.status());
                }
                Poll::Ready(Ok(response))
            }
            StateProj::Ready { response } => Poll::Ready(Ok(response.take().unwrap_or_default())),
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner future, with a panic turned into a 500 problem while the
    /// request's context is still current (so the problem names its ID).
    struct Answer<F> {
        #[pin]
        inner: CatchUnwind<F>,
    }
}

impl<F> Answer<F> {
    fn new(inner: F) -> Self {
        Self {
            inner: CatchUnwind::new(inner),
        }
    }
}

impl<F, B, E> Future for Answer<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        Poll::Ready(match ready!(self.project().inner.poll(cx)) {
            Ok(result) => result.map(|res| res.map(Body::new)),
            Err(payload) => Ok(panic::response(&*payload)),
        })
    }
}
