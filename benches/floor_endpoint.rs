//! A floor under a qh endpoint without a layer: the cheapest handler we
//! could write by hand that keeps what DESIGN.md asks of an endpoint's ID,
//! with nothing else. It reads `X-Request-ID` by walking the request's few
//! header lines and keeps it only if valid, as an ID owning its bytes
//! (`qh::RequestId::from_header_value`: qh's validation rule and inline
//! copy), else makes a UUID v4 one (`qh::IdGenerator::UuidV4`); it looks
//! for a `traceparent` (a trace to continue; the bench sends none); it
//! makes the ID current in a thread-local cell around each poll of the
//! handler's body; a panic there answers 500 with the ID; and it echoes
//! the ID. It has no span, no trust, no configuration, and the body's
//! future is the only thing in the scope (qh's covers extraction and the
//! answer too). hot_path's `floor_endpoint` measures it beside
//! `qh_endpoint` and the hand-written `twin`; it is the least we found,
//! not a proof that none can cost less.

use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::hot_path_variants::X_REQUEST_ID;

const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

thread_local! {
    /// The context store: the current request's ID.
    static CURRENT: Cell<Option<qh::RequestId>> = const { Cell::new(None) };
}

/// The one line of `name` in a map of a few lines.
fn walk<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a HeaderValue> {
    headers
        .iter()
        .find_map(|(line, value)| (line == name).then_some(value))
}

/// The endpoint's ID, validated and owned (whether a trace came is looked
/// at and dropped: the bench sends none).
pub(crate) struct FloorRequest {
    id: qh::RequestId,
    /// What the answer echoes: the incoming line (a reference count to
    /// clone), or the generated ID's text.
    echo: HeaderValue,
}

impl<S: Send + Sync> FromRequestParts<S> for FloorRequest {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, StatusCode> {
        let incoming = walk(&parts.headers, &X_REQUEST_ID)
            .and_then(|line| Some((qh::RequestId::from_header_value(line)?, line.clone())));
        let (id, echo) = incoming.unwrap_or_else(|| {
            let id = qh::IdGenerator::UuidV4.generate();
            let echo = id.to_header_value();
            (id, echo)
        });
        std::hint::black_box(walk(&parts.headers, &TRACEPARENT));
        Ok(Self { id, echo })
    }
}

/// The handler's body in the ID's scope, answered with the echo.
struct Scoped<F> {
    id: Option<qh::RequestId>,
    echo: Option<HeaderValue>,
    inner: F,
}

impl<F: Future<Output = Response> + Unpin> Future for Scoped<F> {
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = &mut *self;
        let polled = CURRENT.with(|current| {
            let outer = current.replace(this.id.take());
            let polled = catch_unwind(AssertUnwindSafe(|| Pin::new(&mut this.inner).poll(cx)));
            this.id = current.replace(outer);
            polled
        });
        let mut response = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(response)) => response,
            Err(payload) => panicked(&*payload),
        };
        if let Some(echo) = this.echo.take() {
            response.headers_mut().insert(X_REQUEST_ID, echo);
        }
        Poll::Ready(response)
    }
}

#[cold]
fn panicked(_: &(dyn Any + Send)) -> Response {
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// The endpoint: its body (answered at once, as `qh_hello`'s is) in the
/// ID's scope.
pub(crate) async fn floor_endpoint(FloorRequest { id, echo }: FloorRequest) -> Response {
    Scoped {
        id: Some(id),
        echo: Some(echo),
        inner: std::future::ready(Html("hello").into_response()),
    }
    .await
}
