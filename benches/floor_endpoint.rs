//! A floor under a qh endpoint without a layer: the cheapest handler we
//! could write by hand that keeps what DESIGN.md asks of an endpoint's ID,
//! with nothing else. It reads `X-Request-ID` when the request has one
//! line of it (a walk of the few header lines) and keeps it only if
//! valid, as an ID owning its bytes (`qh::RequestId::from_header_value`:
//! qh's validation rule and inline copy), else makes a UUID v4 one
//! (`qh::IdGenerator::UuidV4`); it looks for a `traceparent` (a trace to
//! continue; the bench sends none, so nothing is parsed); the handler's
//! body gets a clone of the ID and runs with the ID current in a
//! thread-local cell around each of its polls; a panic there answers 500
//! (a bare status: qh's problem answer is a cold path too); and the ID is
//! echoed. It has no span, no trust, no configuration, no gRPC check, and
//! the extraction and the echo run outside the scope (qh's covers them).
//! hot_path's `floor_endpoint` measures it beside `qh_endpoint` and the
//! hand-written `twin`; it is the least we found, not a proof that none
//! can cost less.

use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
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

/// The value of `name` when the request has exactly one line of it (a
/// name with several lines has no single value): a walk when no name
/// repeats, as in the bench's requests.
fn single<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a HeaderValue> {
    if headers.len() == headers.keys_len() {
        return headers
            .iter()
            .find_map(|(line, value)| (line == name).then_some(value));
    }
    let mut values = headers.get_all(name).iter();
    let value = values.next()?;
    values.next().is_none().then_some(value)
}

/// The endpoint's ID, validated and owned, and the value echoed: the
/// incoming line (a reference count to clone), or the generated ID's text.
pub(crate) struct FloorRequest {
    id: qh::RequestId,
    echo: HeaderValue,
}

impl<S: Send + Sync> FromRequestParts<S> for FloorRequest {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let incoming = single(&parts.headers, &X_REQUEST_ID)
            .and_then(|line| Some((qh::RequestId::from_header_value(line)?, line.clone())));
        let (id, echo) = incoming.unwrap_or_else(|| {
            let id = qh::IdGenerator::UuidV4.generate();
            let echo = id.to_header_value();
            (id, echo)
        });
        black_box(single(&parts.headers, &TRACEPARENT));
        Ok(Self { id, echo })
    }
}

pin_project_lite::pin_project! {
    /// The handler's body with the ID current around each poll, answered
    /// with the echo.
    struct Scoped<F> {
        id: Option<qh::RequestId>,
        echo: Option<HeaderValue>,
        #[pin]
        inner: F,
    }
}

impl<F: Future<Output = Response>> Future for Scoped<F> {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.project();
        let mut inner = this.inner;
        let slot = this.id;
        let polled = CURRENT.with(|current| {
            let outer = current.replace(slot.take());
            let polled = catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx)));
            *slot = current.replace(outer);
            polled
        });
        let mut response = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(response)) => response,
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
        if let Some(echo) = this.echo.take() {
            response.headers_mut().insert(X_REQUEST_ID, echo);
        }
        Poll::Ready(response)
    }
}

/// The endpoint: its body (`qh_hello`'s: the ID handed in, `Html` out) in
/// the ID's scope.
pub(crate) async fn floor_endpoint(FloorRequest { id, echo }: FloorRequest) -> Response {
    let request_id = id.clone();
    Scoped {
        id: Some(id),
        echo: Some(echo),
        inner: async move {
            black_box(request_id);
            Html("hello").into_response()
        },
    }
    .await
}
