//! The shapes of a `Result` return type: `Result<(), E>`,
//! `Result<T: Serialize, E>`, `Result<T: IntoResponse, E>` and any other
//! `Result<T, E>` (levels 5 to 2).

use std::marker::PhantomData;

use axum::response::{IntoResponse, Response};

use super::{refused_answer, refused_outcome, Returns};
use crate::endpoint::respond::json_response;
use crate::returns::{Kind, Passes};
use crate::tasks::endpoint::{failed, json};
use crate::tasks::TaskOutcome;

#[cfg(feature = "openapi")]
use crate::openapi::generated::Shape;

#[cfg(feature = "client")]
use super::refused_answer_decoded;
#[cfg(feature = "client")]
use crate::client::generated::{Decoder, Receive};

// Level 5: `Result<(), E>`.

/// `Result<(), E>`: answers `null`, or the error.
pub struct UnitResult<E>(PhantomData<E>);

/// The level of `Result<(), E>`.
pub trait IsUnitResult<E> {
    /// The kind.
    #[inline]
    fn __qh_kind(&self) -> UnitResult<E> {
        UnitResult(PhantomData)
    }
}

impl<E> IsUnitResult<E> for &&&&&Returns<Result<(), E>> {}

impl<E> Kind for UnitResult<E> {
    type Value = Result<(), E>;
    type NotJson = Passes;
    type OkNotJson = Passes;
    type Err = E;
    #[cfg(feature = "openapi")]
    type Documented = ();
    #[cfg(feature = "openapi")]
    const SHAPE: Shape = Shape::Null;

    #[cfg(feature = "client")]
    decoder!(json);

    #[inline]
    fn __qh_respond(self, value: Result<(), E>, err: fn(E) -> Response) -> Response {
        match value {
            Ok(()) => json_response(&()),
            Err(e) => err(e),
        }
    }

    fn __qh_outcome(self, value: Result<(), E>, err: fn(&E) -> String) -> TaskOutcome {
        match value {
            Ok(()) => Ok(serde_json::Value::Null),
            Err(e) => failed(err(&e)),
        }
    }
}

// Level 4: `Result<T: Serialize, E>`.

/// `Result<T: Serialize, E>`: answers `T` as JSON, or the error.
pub struct JsonResult<T, E>(PhantomData<(T, E)>);

/// The level of `Result<T: Serialize, E>`.
pub trait IsJsonResult<T, E> {
    /// The kind.
    #[inline]
    fn __qh_kind(&self) -> JsonResult<T, E> {
        JsonResult(PhantomData)
    }
}

impl<T: serde::Serialize, E> IsJsonResult<T, E> for &&&&Returns<Result<T, E>> {}

impl<T: serde::Serialize, E> Kind for JsonResult<T, E> {
    type Value = Result<T, E>;
    type NotJson = Passes;
    type OkNotJson = Passes;
    type Err = E;
    #[cfg(feature = "openapi")]
    type Documented = T;
    #[cfg(feature = "openapi")]
    const SHAPE: Shape = Shape::Json;

    #[cfg(feature = "client")]
    decoder!(json);

    #[inline]
    fn __qh_respond(self, value: Result<T, E>, err: fn(E) -> Response) -> Response {
        match value {
            Ok(value) => json_response(&value),
            Err(e) => err(e),
        }
    }

    fn __qh_outcome(self, value: Result<T, E>, err: fn(&E) -> String) -> TaskOutcome {
        match value {
            Ok(value) => json(&value),
            Err(e) => failed(err(&e)),
        }
    }
}

// Level 3: `Result<T: IntoResponse, E>`.

/// `Result<T: IntoResponse, E>` (`T` not `Serialize`): answers `T` as it
/// is (`Result<(StatusCode, Json<T>), E>`, say), or the error.
pub struct ResponseResult<T, E>(PhantomData<(T, E)>);

/// The level of `Result<T: IntoResponse, E>`.
pub trait IsResponseResult<T, E> {
    /// The kind.
    #[inline]
    fn __qh_kind(&self) -> ResponseResult<T, E> {
        ResponseResult(PhantomData)
    }
}

impl<T: IntoResponse, E> IsResponseResult<T, E> for &&&Returns<Result<T, E>> {}

impl<T: IntoResponse, E> Kind for ResponseResult<T, E> {
    type Value = Result<T, E>;
    type NotJson = Passes;
    type OkNotJson = T;
    type Err = E;
    #[cfg(feature = "openapi")]
    type Documented = ();
    #[cfg(feature = "openapi")]
    const SHAPE: Shape = Shape::Any;

    #[cfg(feature = "client")]
    decoder!(passed);

    #[inline]
    fn __qh_respond(self, value: Result<T, E>, err: fn(E) -> Response) -> Response {
        match value {
            Ok(value) => value.into_response(),
            Err(e) => err(e),
        }
    }

    fn __qh_outcome(self, _: Result<T, E>, _: fn(&E) -> String) -> TaskOutcome {
        refused_outcome()
    }
}

// Level 2: any other `Result<T, E>`.

/// A `Result` whose `Ok` type is neither `Serialize` nor `IntoResponse`.
pub struct OtherResult<T, E>(PhantomData<(T, E)>);

/// The level of any other `Result<T, E>`.
pub trait IsOtherResult<T, E> {
    /// The kind.
    #[inline]
    fn __qh_kind(&self) -> OtherResult<T, E> {
        OtherResult(PhantomData)
    }
}

impl<T, E> IsOtherResult<T, E> for &&Returns<Result<T, E>> {}

impl<T, E> Kind for OtherResult<T, E> {
    type Value = Result<T, E>;
    type NotJson = Passes;
    type OkNotJson = T;
    type Err = E;
    #[cfg(feature = "openapi")]
    type Documented = ();
    #[cfg(feature = "openapi")]
    const SHAPE: Shape = Shape::Any;

    #[cfg(feature = "client")]
    decoder!(refused);

    fn __qh_respond(self, _: Result<T, E>, _: fn(E) -> Response) -> Response {
        refused_answer()
    }

    fn __qh_outcome(self, _: Result<T, E>, _: fn(&E) -> String) -> TaskOutcome {
        refused_outcome()
    }
}
