//! [`run_body`]: an endpoint whose only wait is its JSON body. The wait is
//! one generic state machine defined here, in the runtime, rather than an
//! async block in every such endpoint's expansion, each of which the
//! compiler would lay out, drop-check and `Send`-check on its own.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use super::run::{run, BoxFuture, Prepared};
use crate::extract::read_json_body;

/// Reads the JSON body (as `read_json_body` does), its error answered: the
/// one read of [`run_body`] and of the endpoints it does not run.
///
/// # Errors
///
/// `read_json_body`'s, as its response.
#[inline]
pub fn read_body(
    parts: Parts,
    body: Body,
) -> ReadBody<impl Future<Output = Result<Option<Bytes>, crate::Error>> + Send + 'static> {
    ReadBody {
        read: read_json_body(parts, body),
    }
}

pin_project_lite::pin_project! {
    /// [`read_body`]'s future: the read itself, its error mapped as it
    /// ends. (An `async fn` around the read would be a second state
    /// machine the read's future is moved into, a copy per request.)
    pub struct ReadBody<F> {
        #[pin]
        read: F,
    }
}

impl<F> Future for ReadBody<F>
where
    F: Future<Output = Result<Option<Bytes>, crate::Error>>,
{
    type Output = Result<Option<Bytes>, Response>;

    // The error is the answer itself, as everywhere an endpoint's read
    // fails: boxing it would cost the failing request an allocation.
    #[allow(clippy::result_large_err)]
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project()
            .read
            .poll(cx)
            .map(|read| read.map_err(IntoResponse::into_response))
    }
}

/// Runs, in the request's scope (as [`run`]), `before` on the parts (the
/// reads that come before the body: headers, ID, query, path), then reads
/// the JSON body and hands it to what `before` returned (the body's reads
/// and the call). The first `Err` answers, in that order, as the
/// parameters' reads in one async block do; only the wait for the body is
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
        then(read_body(parts, body).await?)
    }))
}
