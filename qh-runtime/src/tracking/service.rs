//! [`TrackingService`], the service [`Tracking`] wraps around a router or
//! route, and its [`TrackingFuture`]: resolve once, store the resolution in
//! the request, then run everything below (the inner `call`, its future, the
//! response body) inside the request's [`RequestScope`].

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{ready, Context as TaskContext, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::MatchedPath;
use axum::response::{IntoResponse, Response};
use axum::BoxError;
use http::{Request, StatusCode};
use tower::{Layer, Service};

use super::body::panicked;
use super::future::InScope;
use super::grpc;
use super::resolve::Failure;
use super::scope::RequestScope;
use super::Tracking;
use crate::context::meter::{RequestAttrs, ServerMeasure};
use crate::context::Resolved;
use crate::error::{Error, ErrorKind};

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
///
/// # Examples
///
/// Any tower service of HTTP requests can be wrapped, not only a router:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::convert::Infallible;
///
/// use axum::body::Body;
/// use axum::http::{Request, Response};
/// use tower::{service_fn, Layer, Service, ServiceExt};
/// use qh::tracking::TrackingService;
///
/// let hello = service_fn(|_req: Request<Body>| async {
///     let id = qh::request_id().unwrap();
///     Ok::<_, Infallible>(Response::new(Body::from(format!("hello from {id}"))))
/// });
/// let service: TrackingService<_> = qh::Tracking::new().layer(hello);
///
/// let req = Request::get("/").header("x-request-id", "abc-123").body(Body::empty()).unwrap();
/// let res = service.oneshot(req).await.unwrap();
/// assert_eq!(res.headers()["x-request-id"], "abc-123");
/// let body = axum::body::to_bytes(res.into_body(), 64).await.unwrap();
/// assert_eq!(&body[..], b"hello from abc-123");
/// # }
/// ```
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
            // one resolution, one scope.
            return TrackingFuture::new(State::Nested {
                inner: self.inner.call(req),
            });
        }
        let mut fresh = match self.tracking.resolve(req.headers(), req.extensions()) {
            Ok(fresh) => fresh,
            Err(failure) => {
                return TrackingFuture::failed(
                    *failure,
                    grpc::is_grpc_call(req.method(), req.headers()),
                )
            }
        };
        // The resolution knows the layer: what reads the configuration the
        // request came through asks it (the served OpenAPI document, the
        // shutdown and meters of the request's background work and calls).
        fresh.resolved.set_layer(&self.tracking);
        req.extensions_mut().insert(fresh.resolved.clone());
        // The route's template, read for the metrics when the layer records
        // them (then kept for the span), else only if the span uses it.
        let meters = self.tracking.meters();
        let matched = meters.map(|_| req.extensions().get::<MatchedPath>());
        let scope = RequestScope::open(
            self.tracking.span_config(),
            meters.map(|meters| {
                let attrs = RequestAttrs::of(req.method(), req.uri(), req.version());
                ServerMeasure::start(meters, attrs, matched.flatten())
            }),
            fresh,
            req.headers(),
            (req.method(), req.uri(), req.version()),
            || {
                matched
                    .unwrap_or_else(|| req.extensions().get::<MatchedPath>())
                    .map(MatchedPath::as_str)
            },
        );
        // The inner service's `call` runs in the scope too, so inner
        // middleware (tower-http's `make_span`, say) sees the ID.
        let inner = &mut self.inner;
        let called = scope.run(|| catch_unwind(AssertUnwindSafe(|| inner.call(req))));
        // The future is large (the inner one and the scope): built as one
        // value, its state chosen inside, it is copied fewer times.
        TrackingFuture {
            state: match called {
                Ok(future) => State::Tracked {
                    inner: InScope::new(scope, future),
                },
                Err(payload) => State::Ready {
                    response: Some(panicked(scope, &payload)),
                },
            },
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`TrackingService`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::convert::Infallible;
    ///
    /// use axum::body::Body;
    /// use axum::http::{Request, Response};
    /// use qh::tracking::TrackingFuture;
    /// use tower::{service_fn, Layer, Service, ServiceExt};
    ///
    /// let inner = service_fn(|_req: Request<Body>| async {
    ///     Ok::<_, Infallible>(Response::new(Body::from("ok")))
    /// });
    /// let mut service = qh::Tracking::new().layer(inner);
    /// let req = Request::get("/").body(Body::empty()).unwrap();
    /// // The request is resolved and scoped when `call` returns; the future
    /// // runs the inner service in that scope and adds the echo.
    /// let future: TrackingFuture<_> = service.ready().await.unwrap().call(req);
    /// let res = future.await.unwrap();
    /// assert!(res.headers().contains_key("x-request-id"));
    /// # }
    /// ```
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
            inner: InScope<F>,
        },
        Ready {
            response: Option<Response>,
        },
    }
}

impl<F> TrackingFuture<F> {
    fn new(state: State<F>) -> Self {
        Self { state }
    }

    /// A custom generator or validator panicked: 500 (a gRPC call:
    /// `INTERNAL`), under a UUID v4.
    fn failed(Failure { fresh, what }: Failure, grpc: bool) -> Self {
        let mut response = if grpc {
            grpc::status_response(grpc::INTERNAL, what)
        } else {
            Error::with_kind(ErrorKind::Internal, StatusCode::INTERNAL_SERVER_ERROR, what)
                .with_resolved(&fresh.resolved)
                .into_response()
        };
        response
            .headers_mut()
            .insert(fresh.resolved.header().clone(), fresh.echo);
        Self::new(State::Ready {
            response: Some(response),
        })
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
            StateProj::Tracked { inner } => inner.poll(cx),
            StateProj::Ready { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => panic!("`TrackingFuture` polled after it completed"),
            },
        }
    }
}
