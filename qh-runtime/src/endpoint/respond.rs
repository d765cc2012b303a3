//! Answering an endpoint's return value: `Result`, `Serialize` or
//! `IntoResponse`, chosen at compile time by an autoref ladder (how those
//! work: `crate::support::autoref`).
//!
//! The generated code calls `(&&&&&&&&Responder::new(value))` twice: once for
//! [`Checks`], the types that cannot answer, each checked with a qualified
//! path spanned at the user's return type (its `Ok` type, its `Err` type) so
//! the error underlines that type and names no internal bound; once for the
//! response. The levels that cannot answer are only ever chosen when a check
//! fails, so their `__qh_respond` is never reached in a program that compiles.

use std::cell::Cell;
use std::marker::PhantomData;

use axum::body::Body;
use axum::response::{ErrorResponse, IntoResponse, Response};
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

/// axum's `ErrorResponse` answers through its `Result`.
fn error_response(e: ErrorResponse) -> Response {
    Err::<(), _>(e).into_response()
}

fn gone() -> Response {
    Error::with_kind(
        ErrorKind::Internal,
        StatusCode::INTERNAL_SERVER_ERROR,
        "response already taken",
    )
    .into_response()
}

/// What the generated code checks, at the user's spans: the return type
/// (against [`Reply`]), the `Ok` type (against [`OkReply`]) and the `Err`
/// type (against [`ErrorReply`]). A level that can answer checks [`Passes`]
/// for all three.
pub type Checks<V, O, E> = (PhantomData<V>, PhantomData<O>, PhantomData<E>);

/// What a check that has nothing to report is about: every check trait
/// (these and the task ones) is implemented for it.
///
/// It meets their blanket impls (it is `IntoResponse`, `Serialize` and
/// `Display`) rather than having impls of its own, which rustc would list
/// as "implemented for `Passes`" under every error.
pub struct Passes;

impl IntoResponse for Passes {
    fn into_response(self) -> Response {
        gone()
    }
}

impl serde::Serialize for Passes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

impl std::fmt::Display for Passes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("passes")
    }
}

/// The checks of a level that can answer.
pub(crate) type Fine = Checks<Passes, Passes, Passes>;

pub(crate) const FINE: Fine = (PhantomData, PhantomData, PhantomData);

pub(crate) fn checks<V, O, E>() -> Checks<V, O, E> {
    (PhantomData, PhantomData, PhantomData)
}

/// First choice: `Result<T: Serialize, E: IntoResponse>` answers `Ok` as JSON
/// and `Err` through `IntoResponse` (then `E = ErrorResponse`, one level down).
pub trait RespondResult {
    /// Nothing to report.
    fn __qh_checks(&self) -> Fine;
    /// The response.
    fn __qh_respond(&self) -> Response;
}

impl<T: serde::Serialize, E: IntoResponse> RespondResult for &&&&&&&Responder<Result<T, E>> {
    fn __qh_checks(&self) -> Fine {
        FINE
    }

    fn __qh_respond(&self) -> Response {
        match self.take() {
            Some(Ok(value)) => json_response(&value),
            Some(Err(e)) => e.into_response(),
            None => gone(),
        }
    }
}

// Then the same with axum's `ErrorResponse`, the error of
// `axum::response::Result<T>`: not `IntoResponse` itself (its `Result` is).
impl<T: serde::Serialize> RespondResult for &&&&&&Responder<Result<T, ErrorResponse>> {
    fn __qh_checks(&self) -> Fine {
        FINE
    }

    fn __qh_respond(&self) -> Response {
        match self.take() {
            Some(Ok(value)) => json_response(&value),
            Some(Err(e)) => error_response(e),
            None => gone(),
        }
    }
}

/// Second choice: `Result<T: IntoResponse, E: IntoResponse>` passes both
/// through (`Result<(StatusCode, Json<T>), E>`, say), then the same with
/// `E = ErrorResponse` one level down.
pub trait RespondResultAny {
    /// Nothing to report.
    fn __qh_checks(&self) -> Fine;
    /// The response.
    fn __qh_respond(&self) -> Response;
}

impl<T: IntoResponse, E: IntoResponse> RespondResultAny for &&&&&Responder<Result<T, E>> {
    fn __qh_checks(&self) -> Fine {
        FINE
    }

    fn __qh_respond(&self) -> Response {
        match self.take() {
            Some(Ok(value)) => value.into_response(),
            Some(Err(e)) => e.into_response(),
            None => gone(),
        }
    }
}

impl<T: IntoResponse> RespondResultAny for &&&&Responder<Result<T, ErrorResponse>> {
    fn __qh_checks(&self) -> Fine {
        FINE
    }

    fn __qh_respond(&self) -> Response {
        match self.take() {
            Some(Ok(value)) => value.into_response(),
            Some(Err(e)) => error_response(e),
            None => gone(),
        }
    }
}

/// A `Result` whose `Ok` is JSON but whose `Err` cannot answer: `E` is
/// reported (never the `{"Err": …}` JSON a `Serialize` error would
/// otherwise become).
pub trait RespondBadErr {
    /// The error type.
    type Err;
    /// `E`, for its [`ErrorReply`] check.
    fn __qh_checks(&self) -> Checks<Passes, Passes, Self::Err>;
    /// Not reached: the check fails to compile.
    fn __qh_respond(&self) -> Response;
}

impl<T: serde::Serialize, E> RespondBadErr for &&&Responder<Result<T, E>> {
    type Err = E;

    fn __qh_checks(&self) -> Checks<Passes, Passes, E> {
        checks()
    }

    fn __qh_respond(&self) -> Response {
        gone()
    }
}

/// Any other `Result`: `T`, `E` or both are reported.
pub trait RespondBadResult {
    /// The `Ok` type.
    type Ok;
    /// The error type.
    type Err;
    /// `T` and `E`, for their [`OkReply`] and [`ErrorReply`] checks.
    fn __qh_checks(&self) -> Checks<Passes, Self::Ok, Self::Err>;
    /// Not reached: a check fails to compile.
    fn __qh_respond(&self) -> Response;
}

impl<T, E> RespondBadResult for &&Responder<Result<T, E>> {
    type Ok = T;
    type Err = E;

    fn __qh_checks(&self) -> Checks<Passes, T, E> {
        checks()
    }

    fn __qh_respond(&self) -> Response {
        gone()
    }
}

/// Then: any `T: Serialize` answers 200 with JSON.
pub trait RespondJson {
    /// Nothing to report.
    fn __qh_checks(&self) -> Fine;
    /// The response.
    fn __qh_respond(&self) -> Response;
}

impl<T: serde::Serialize> RespondJson for &&Responder<T> {
    fn __qh_checks(&self) -> Fine {
        FINE
    }

    fn __qh_respond(&self) -> Response {
        match self.take() {
            Some(value) => json_response(&value),
            None => gone(),
        }
    }
}

/// Then: anything implementing `IntoResponse` passes through.
pub trait RespondAny {
    /// Nothing to report.
    fn __qh_checks(&self) -> Fine;
    /// The response.
    fn __qh_respond(&self) -> Response;
}

impl<T: IntoResponse> RespondAny for &Responder<T> {
    fn __qh_checks(&self) -> Fine {
        FINE
    }

    fn __qh_respond(&self) -> Response {
        match self.take() {
            Some(value) => value.into_response(),
            None => gone(),
        }
    }
}

/// Last: a return type that fits none of the choices, reported as a
/// missing [`Reply`] (with its message, at the return type) instead of as a
/// method that cannot be called on `&&&&&&Responder<T>`.
pub trait RespondNone {
    /// The return type.
    type Value;
    /// `T`, for its [`Reply`] check.
    fn __qh_checks(&self) -> Checks<Self::Value, Passes, Passes>;
    /// Not reached: the check fails to compile.
    fn __qh_respond(&self) -> Response;
}

impl<T> RespondNone for Responder<T> {
    type Value = T;

    fn __qh_checks(&self) -> Checks<T, Passes, Passes> {
        checks()
    }

    fn __qh_respond(&self) -> Response {
        gone()
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
pub trait Reply {
    /// Called as `<_ as Reply>::__qh_check(checks.0)`: the error, if any,
    /// is this path's, at the span the generated code gives it.
    #[inline]
    fn __qh_check(_: PhantomData<Self>) {}
}

// Report `Reply` itself rather than the leaf `IntoResponse` bound.
#[diagnostic::do_not_recommend]
impl<T: IntoResponse> Reply for T {}

/// The `Ok` value of an endpoint's `Result` that is not `Serialize`.
/// Exists for its compile error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned in `Ok(…)` from an endpoint",
    label = "the `Ok` type must implement `serde::Serialize` or `axum::response::IntoResponse`",
    note = "a `Serialize` value is answered as JSON, an `IntoResponse` one as it is"
)]
pub trait OkReply {
    /// Called as `<_ as OkReply>::__qh_check(checks.1)` (see [`Reply`]).
    #[inline]
    fn __qh_check(_: PhantomData<Self>) {}
}

#[diagnostic::do_not_recommend]
impl<T: IntoResponse> OkReply for T {}

/// The error of an endpoint's `Result`. Exists for its compile error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error type of an endpoint",
    label = "`Err(…)` is answered through `axum::response::IntoResponse`",
    note = "return `qh::Error` (a problem+json answer), `(StatusCode, String)`, or implement `IntoResponse` for `{Self}`",
    note = "a `Serialize` error is not answered as JSON by itself: wrap it, like `(StatusCode::BAD_REQUEST, Json(error))`"
)]
pub trait ErrorReply {
    /// Called as `<_ as ErrorReply>::__qh_check(checks.2)` (see [`Reply`]).
    #[inline]
    fn __qh_check(_: PhantomData<Self>) {}
}

#[diagnostic::do_not_recommend]
impl<T: IntoResponse> ErrorReply for T {}
