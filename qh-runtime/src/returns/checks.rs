//! The checks of a return type's parts, one trait per need, each with the
//! message rustc shows when a part does not fit. The generated code calls
//! them as `<_ as Check>::__qh_check(needs.N)`, spanned at the user's
//! return type, its `Ok` type or its error type, so the error underlines
//! that type and names no internal bound. A check that fits returns what
//! the consumer needs of the part (the error's answer, its message).

use std::fmt::Display;
use std::marker::PhantomData;

use axum::response::{IntoResponse, Response};

/// A return value that is answered as it is: any `IntoResponse`. Exists
/// for its compile error, which names what an endpoint may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from an endpoint",
    label = "the return type must implement `serde::Serialize` or `axum::response::IntoResponse`",
    note = "a `Serialize` value is answered as JSON, an `IntoResponse` one as it is",
    note = "`Result<T, E>` answers `Ok(T)` as JSON and `Err(E)` through `IntoResponse`, so `T: Serialize` and `E: IntoResponse`"
)]
pub trait Reply {
    /// Called as `<_ as Reply>::__qh_check(needs.0)`: the error, if any,
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
    /// Called as `<_ as OkReply>::__qh_check(needs.1)` (see [`Reply`]).
    #[inline]
    fn __qh_check(_: PhantomData<Self>) {}
}

#[diagnostic::do_not_recommend]
impl<T: IntoResponse> OkReply for T {}

/// The error of an endpoint's `Result`: answered as `Err(e)` is, through
/// `IntoResponse` (axum's `ErrorResponse` too, whose `Result` answers).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error type of an endpoint",
    label = "`Err(…)` is answered through `axum::response::IntoResponse`",
    note = "return `qh::Error` (a problem+json answer), `(StatusCode, String)`, or implement `IntoResponse` for `{Self}`",
    note = "a `Serialize` error is not answered as JSON by itself: wrap it, like `(StatusCode::BAD_REQUEST, Json(error))`"
)]
pub trait ErrorReply: Sized {
    /// Called as `<_ as ErrorReply>::__qh_check(needs.2)` (see [`Reply`]):
    /// how the error is answered.
    fn __qh_check(_: PhantomData<Self>) -> fn(Self) -> Response;
}

#[diagnostic::do_not_recommend]
impl<E> ErrorReply for E
where
    Result<(), E>: IntoResponse,
{
    #[inline]
    fn __qh_check(_: PhantomData<E>) -> fn(E) -> Response {
        |e| Err::<(), E>(e).into_response()
    }
}

/// The return type of a task endpoint (or its `Ok` type), stored as the
/// task's JSON result. Exists for its compile error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a task endpoint",
    label = "a task's result is stored as JSON: the return type must implement `serde::Serialize`",
    note = "`Result<T, E>` stores `Ok(T)` as the result and `Err(E)` as the failure message, so `T: Serialize` and `E: Display`",
    note = "a task's result is read back as JSON from `/tasks/{{id}}/result`, so an `IntoResponse` type cannot be stored"
)]
pub trait TaskReturn {
    /// Called as `<_ as TaskReturn>::__qh_check(needs.0)` (see [`Reply`]).
    #[inline]
    fn __qh_check(_: PhantomData<Self>) {}
}

#[diagnostic::do_not_recommend]
impl<T: serde::Serialize> TaskReturn for T {}

/// The error of a task endpoint's `Result`, stored as the failure message.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error type of a task endpoint",
    label = "a failed task stores its error's message: `{Self}` must implement `std::fmt::Display`",
    note = "return `Result<T, String>`, `Result<T, qh::Error>`, or implement `Display` for `{Self}`"
)]
pub trait TaskFailure {
    /// Called as `<_ as TaskFailure>::__qh_check(needs.2)` (see
    /// [`Reply`]): the error's message.
    fn __qh_check(_: PhantomData<Self>) -> fn(&Self) -> String;
}

#[diagnostic::do_not_recommend]
impl<E: Display> TaskFailure for E {
    #[inline]
    fn __qh_check(_: PhantomData<E>) -> fn(&E) -> String {
        |e| e.to_string()
    }
}
