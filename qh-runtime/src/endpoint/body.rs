//! [`run_body`]: an endpoint whose only wait is its JSON body, run with
//! one state machine the runtime defines once, not one per endpoint.

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use super::run::{run, Prepared};
use crate::extract::read_json_body;

/// The boxed future of an async endpoint.
pub type BoxFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send + 'static>>;

/// Runs, in the request's scope (as [`run`]), `before` on the parts (the
/// reads that come before the body: headers, ID, query, path), then reads
/// the JSON body and hands it to what `before` returned (the body's reads
/// and the call). The first `Err` answers, in that order, as the
/// parameters' reads in one async block did; only the wait for the body is
/// a future.
pub fn run_body<S, B, T>(
    prepared: Prepared,
    mut parts: Parts,
    body: Body,
    state: S,
    before: B,
) -> BoxFuture
where
    S: Send + Sync + 'static,
    B: FnOnce(&mut Parts, &S) -> Result<T, Response> + Send + 'static,
    T: FnOnce(Option<Bytes>) -> Result<Response, Response> + Send + 'static,
{
    Box::pin(run(prepared, async move {
        let then = before(&mut parts, &state)?;
        let bytes = read_json_body(parts, body, &state)
            .await
            .map_err(IntoResponse::into_response)?;
        then(bytes)
    }))
}
