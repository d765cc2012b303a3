//! Answering an endpoint's return value: `Result`, `Serialize` or
//! `IntoResponse`, chosen at compile time by autoref specialization.

use std::cell::Cell;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};

use crate::error::{Error, ErrorKind};

/// Wraps a return value to pick how it is answered (see [`RespondResult`]).
pub struct Responder<T>(Cell<Option<T>>);

impl<T> Responder<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Self(Cell::new(Some(value)))
    }

    fn take(&self) -> Option<T> {
        self.0.take()
    }
}

/// `value` as a JSON answer with `status` (500 problem if it cannot be
/// serialized); every JSON answer qh makes goes through here.
pub(crate) fn json_with_status<T: serde::Serialize + ?Sized>(
    status: StatusCode,
    value: &T,
) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(e) => Error::with_kind(
            ErrorKind::Internal,
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the answer cannot be serialized: {e}"),
        )
        .into_response(),
    }
}

fn json_response<T: serde::Serialize>(value: &T) -> Response {
    json_with_status(StatusCode::OK, value)
}

fn gone() -> Response {
    Error::with_kind(
        ErrorKind::Internal,
        StatusCode::INTERNAL_SERVER_ERROR,
        "response already taken",
    )
    .into_response()
}

/// First choice: `Result<T: Serialize, E: IntoResponse>` answers `Ok` as JSON
/// and `Err` through `IntoResponse`. Called as
/// `(&&&&&Responder::new(v)).__qh_respond()`, so the most specific impl
/// wins (autoref specialization, one level per choice).
pub trait RespondResult {
    /// The response.
    fn __qh_respond(&self) -> Response;
}

impl<T: serde::Serialize, E: IntoResponse> RespondResult for &&&&Responder<Result<T, E>> {
    fn __qh_respond(&self) -> Response {
        match self.take() {
            Some(Ok(value)) => json_response(&value),
            Some(Err(e)) => e.into_response(),
            None => gone(),
        }
    }
}

/// Second choice: `Result<T: IntoResponse, E: IntoResponse>` passes both
/// through (`Result<(StatusCode, Json<T>), E>`, say).
pub trait RespondResultAny {
    /// The response.
    fn __qh_respond(&self) -> Response;
}

impl<T: IntoResponse, E: IntoResponse> RespondResultAny for &&&Responder<Result<T, E>> {
    fn __qh_respond(&self) -> Response {
        match self.take() {
            Some(Ok(value)) => value.into_response(),
            Some(Err(e)) => e.into_response(),
            None => gone(),
        }
    }
}

/// A `Result` whose `Ok` is JSON but whose `Err` cannot answer: a compile
/// error about `E` (never the `{"Err": …}` JSON a `Serialize` error would
/// otherwise become).
pub trait RespondBadErr {
    /// The error type.
    type Err;

    /// The response.
    fn __qh_respond(&self) -> Response
    where
        Self::Err: ErrorReply;
}

impl<T: serde::Serialize, E> RespondBadErr for &&Responder<Result<T, E>> {
    type Err = E;

    fn __qh_respond(&self) -> Response
    where
        E: ErrorReply,
    {
        match self.take() {
            Some(Ok(value)) => json_response(&value),
            Some(Err(e)) => e.into_response(),
            None => gone(),
        }
    }
}

/// Any other `Result`: a compile error about `T`, `E` or both.
pub trait RespondBadResult {
    /// The `Ok` type.
    type Ok;
    /// The error type.
    type Err;

    /// The response.
    fn __qh_respond(&self) -> Response
    where
        Self::Ok: OkReply,
        Self::Err: ErrorReply;
}

impl<T, E> RespondBadResult for &Responder<Result<T, E>> {
    type Ok = T;
    type Err = E;

    fn __qh_respond(&self) -> Response
    where
        T: OkReply,
        E: ErrorReply,
    {
        match self.take() {
            Some(Ok(value)) => value.into_response(),
            Some(Err(e)) => e.into_response(),
            None => gone(),
        }
    }
}

/// The error of an endpoint's `Result`. Exists for its compile error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error type of an endpoint",
    label = "`Err(…)` is answered through `axum::response::IntoResponse`",
    note = "return `qh::Error` (a problem+json answer), `(StatusCode, String)`, or implement `IntoResponse` for `{Self}`",
    note = "a `Serialize` error is not answered as JSON by itself: wrap it, like `(StatusCode::BAD_REQUEST, Json(error))`"
)]
pub trait ErrorReply: IntoResponse {}

#[diagnostic::do_not_recommend]
impl<T: IntoResponse> ErrorReply for T {}

/// The `Ok` value of an endpoint's `Result` that is not `Serialize`.
/// Exists for its compile error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned in `Ok(…)` from an endpoint",
    label = "the `Ok` type must implement `serde::Serialize` or `axum::response::IntoResponse`",
    note = "a `Serialize` value is answered as JSON, an `IntoResponse` one as it is"
)]
pub trait OkReply: IntoResponse {}

#[diagnostic::do_not_recommend]
impl<T: IntoResponse> OkReply for T {}

/// Then: any `T: Serialize` answers 200 with JSON.
pub trait RespondJson {
    /// The response.
    fn __qh_respond(&self) -> Response;
}

impl<T: serde::Serialize> RespondJson for &Responder<T> {
    fn __qh_respond(&self) -> Response {
        match self.take() {
            Some(value) => json_response(&value),
            None => gone(),
        }
    }
}

/// Last choice: anything implementing `IntoResponse` passes through.
///
/// Implemented for every `Responder<T>`, with the bound on the method: a
/// return type that fits none of the three choices is then reported as a
/// missing `Reply` (with its message, at the return type) instead of as a
/// method that cannot be called on `&&&Responder<T>`.
pub trait RespondAny {
    /// The wrapped return type.
    type Value;

    /// The response.
    fn __qh_respond(&self) -> Response
    where
        Self::Value: Reply;
}

impl<T> RespondAny for Responder<T> {
    type Value = T;

    fn __qh_respond(&self) -> Response
    where
        T: Reply,
    {
        match self.take() {
            Some(value) => value.into_response(),
            None => gone(),
        }
    }
}

/// A return value that is answered as it is: any `IntoResponse`. Exists for
/// its compile error, which names what an endpoint may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from an endpoint",
    label = "the return type must implement `serde::Serialize` or `axum::response::IntoResponse`",
    note = "a `Serialize` value is answered as JSON, an `IntoResponse` one as it is",
    note = "`Result<T, E>` answers `Ok(T)` as JSON and `Err(E)` through `IntoResponse`, so `T: Serialize` and `E: IntoResponse`"
)]
pub trait Reply: IntoResponse {}

// Report `Reply` itself rather than the leaf `IntoResponse` bound.
#[diagnostic::do_not_recommend]
impl<T: IntoResponse> Reply for T {}
