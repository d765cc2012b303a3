//! Rejections of axum extractors as qh problems: an undecodable path, or an
//! `#[extract]` parameter's extractor refusing the request.

use std::future::Future;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};

use axum::body::to_bytes;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::response::{IntoResponse, Response};

use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::request::Parts;
use http::StatusCode;

use crate::error::{Error, ErrorKind, PROBLEM_JSON};
use crate::support::text::ECHO_LIMIT;

/// The route's raw path parameters, read at once: axum's extractor only
/// looks at the request's extensions and never waits, so an endpoint that
/// reads its path has nothing to await for it (one state machine less for
/// the compiler to build per endpoint).
///
/// # Errors
///
/// 400 problem when a value is not valid UTF-8 once percent-decoded
/// (`/hello/%FF%FE`).
pub fn path_params<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<RawPathParams, Error> {
    let read = pin!(RawPathParams::from_request_parts(parts, state));
    let read = match read.poll(&mut TaskContext::from_waker(Waker::noop())) {
        Poll::Ready(read) => read,
        // Only if a later axum made its extractor wait: an answer, not a
        // panic.
        Poll::Pending => {
            return Err(Error::with_kind(
                ErrorKind::Internal,
                StatusCode::INTERNAL_SERVER_ERROR,
                "the path parameters could not be read",
            ))
        }
    };
    read.map_err(|rejection| {
        let text = rejection.body_text();
        // axum names the placeholder (the route's, not the client's)
        // between backticks: "Invalid UTF-8 in `name`".
        let error = Error::with_kind(
            ErrorKind::InvalidPath,
            StatusCode::BAD_REQUEST,
            text.clone(),
        );
        match text.split('`').nth(1) {
            Some(name) if !name.is_empty() => error.at_path(name.to_owned()),
            _ => error,
        }
    })
}

/// An extractor's rejection as `application/problem+json` naming the
/// request's ID: axum's own rejections (`Query`, `Path`, `Json`, …) answer
/// `text/plain`. The status and headers (`WWW-Authenticate`, say) are kept,
/// the text becomes the problem's `detail`, bounded; a rejection that is
/// already a problem passes through.
pub async fn rejection(response: Response) -> Response {
    let is_problem = response.headers().get(CONTENT_TYPE) == Some(&PROBLEM_JSON);
    if is_problem || !(response.status().is_client_error() || response.status().is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Enough to keep the message; a longer body is cut by the problem anyway.
    let detail = match to_bytes(body, 16 * ECHO_LIMIT).await {
        Ok(bytes) if !bytes.is_empty() => String::from_utf8_lossy(&bytes).into_owned(),
        _ => parts
            .status
            .canonical_reason()
            .unwrap_or("the request was rejected")
            .to_owned(),
    };
    let mut problem = Error::with_kind(ErrorKind::Rejected, parts.status, detail).into_response();
    parts.headers.remove(CONTENT_TYPE);
    parts.headers.remove(CONTENT_LENGTH);
    for (name, value) in parts.headers.drain().filter_map(|(n, v)| Some((n?, v))) {
        problem.headers_mut().append(name, value);
    }
    problem
}
