//! The 405 answer of qh's routes: a problem document, mergeable with other
//! routers on the same path.

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::task::{Context as TaskContext, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, Route};
use http::StatusCode;
use tower::{Layer, Service};

use crate::error::{Error, ErrorKind};
use crate::tracking::resolve::{self, Found};

/// A method router with no methods whose default fallback answers a 405
/// problem. `MethodRouter::layer` keeps a fallback a default one, which
/// axum merges freely (a custom fallback would make merging panic).
pub(crate) fn method_not_allowed<S: Clone + Send + Sync + 'static>() -> MethodRouter<S> {
    MethodRouter::new().layer(ProblemLayer)
}

#[derive(Clone, Copy)]
struct ProblemLayer;

impl Layer<Route> for ProblemLayer {
    type Service = MethodNotAllowed;

    fn layer(&self, _axum_default: Route) -> MethodNotAllowed {
        MethodNotAllowed
    }
}

/// Answers a method the route does not serve; axum adds `Allow` afterwards.
#[derive(Clone, Copy)]
struct MethodNotAllowed;

impl Service<Request> for MethodNotAllowed {
    type Response = Response;
    type Error = Infallible;
    type Future = Ready<Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let (parts, _) = req.into_parts();
        let resolved = match resolve::for_request(&parts, None) {
            Found::Existing(resolved) => resolved.clone(),
            Found::Fresh(fresh) => fresh.resolved,
        };
        let error = Error::with_kind(
            ErrorKind::MethodNotAllowed,
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method `{}` is not allowed on this route", parts.method),
        );
        ready(Ok(error.with_resolved(&resolved).into_response()))
    }
}
