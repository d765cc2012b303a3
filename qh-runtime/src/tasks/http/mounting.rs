//! Mounting the `/tasks` routes so that mounting them twice is harmless,
//! and the memory runner a `qh::routes!` router supplies to requests that
//! carry none.
//!
//! axum panics when two merged routers serve the same method on the same
//! path, and every `qh::routes!` with a task endpoint brings the `/tasks`
//! routes: `qh::routes![a].merge(qh::routes![b])` would panic. So each
//! path is mounted as a method router with no methods at all, whose
//! *default* fallback is replaced (through a layer, which keeps it a
//! default one) by the real handlers. axum merges two default fallbacks by
//! keeping one, and both are the same handlers, so a second mount merges
//! silently; a user's own route on the same path keeps its methods.
//!
//! A method router without methods would add an empty `Allow` header to
//! every answer of its fallback (it has no methods to list); the served
//! methods are listed instead, which RFC 9110 §10.2.1 allows on any answer.

use std::convert::Infallible;

use std::task::{Context as TaskContext, Poll};

use axum::middleware::map_response;
use axum::response::Response;
use axum::routing::{MethodRouter, Route};
use axum::Router;
use http::header::ALLOW;
use http::{HeaderValue, Request};
use tower::{Layer, Service};

use crate::tasks::Runner;

/// `methods` (answered with a 405 problem for others, tracked), mounted as
/// the default fallback of a method router without methods; `allow` lists
/// them, as axum spells it (`GET,HEAD,DELETE`).
pub(super) fn mergeable<S>(methods: MethodRouter<()>, allow: &str) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    let allow = HeaderValue::from_str(allow).unwrap_or(HeaderValue::from_static("GET,HEAD"));
    let served: MethodRouter<()> = methods
        .merge(crate::endpoint::not_allowed::method_not_allowed())
        .layer::<_, Infallible>(map_response(move |mut response: Response| {
            let allow = allow.clone();
            async move {
                response.headers_mut().entry(ALLOW).or_insert(allow);
                response
            }
        }))
        // Tracked without an app-wide layer; under one, this nested layer
        // reuses its resolution (one span, one echo).
        .layer(crate::tracking::Tracking::defaults().clone());
    MethodRouter::new().layer(ServeInstead(served))
}

/// Replaces the default fallback (axum's 405) with the served methods.
#[derive(Clone)]
struct ServeInstead(MethodRouter<()>);

impl Layer<Route> for ServeInstead {
    type Service = MethodRouter<()>;

    fn layer(&self, _axum_default: Route) -> MethodRouter<()> {
        self.0.clone()
    }
}

/// `router` with a memory runner of its own for requests that carry none:
/// what `qh::routes!` does when one of its endpoints is a task endpoint,
/// so that tasks run "in memory by default" with no process-wide runner.
/// A runner the app layers itself (`axum::Extension(runner)`, outside this
/// router) is already in the request and is kept.
pub(crate) fn with_default_runner<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.layer(DefaultRunner(Runner::default()))
}

/// Inserts its runner into requests that have none.
#[derive(Clone)]
struct DefaultRunner(Runner);

impl<S> Layer<S> for DefaultRunner {
    type Service = WithDefaultRunner<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WithDefaultRunner {
            inner,
            runner: self.0.clone(),
        }
    }
}

#[derive(Clone)]
struct WithDefaultRunner<S> {
    inner: S,
    runner: Runner,
}

impl<S, B> Service<Request<B>> for WithDefaultRunner<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        if req.extensions().get::<Runner>().is_none() {
            req.extensions_mut().insert(self.runner.clone());
        }
        self.inner.call(req)
    }
}
