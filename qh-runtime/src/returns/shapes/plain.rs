//! The shapes of a return type that is no `Result`: `()`, `T: Serialize`,
//! `T: IntoResponse` and anything else (levels 3 to 0).

use std::marker::PhantomData;

use axum::response::{IntoResponse, Response};

use super::{refused_answer, refused_outcome, Returns};
use crate::endpoint::respond::json_response;
use crate::returns::{Kind, Passes};
use crate::tasks::endpoint::json;
use crate::tasks::TaskOutcome;

#[cfg(feature = "openapi")]
use crate::openapi::generated::Shape;

#[cfg(feature = "client")]
use super::refused_answer_decoded;
#[cfg(feature = "client")]
use crate::client::generated::{Decoder, Receive};

// Level 3, beside the `Result`s (`()` is no `Result`): `()`, above `T:
// Serialize`.

/// `()`: answers `null`.
pub struct Unit;

/// The level of `()`.
pub trait IsUnit {
    /// The kind.
    #[inline]
    fn __qh_kind(&self) -> Unit {
        Unit
    }
}

impl IsUnit for &&&Returns<()> {}

impl Kind for Unit {
    type Value = ();
    type NotJson = Passes;
    type OkNotJson = Passes;
    type Err = Passes;
    #[cfg(feature = "openapi")]
    type Documented = ();
    #[cfg(feature = "openapi")]
    const SHAPE: Shape = Shape::Null;

    #[cfg(feature = "client")]
    decoder!(json);

    #[inline]
    fn __qh_respond(self, (): (), _: fn(Passes) -> Response) -> Response {
        json_response(&())
    }

    fn __qh_outcome(self, (): (), _: fn(&Passes) -> String) -> TaskOutcome {
        Ok(serde_json::Value::Null)
    }
}

// Level 2, beside the `Result`s left (no `Result` reaching it is
// `Serialize`): `T: Serialize`.

/// `T: Serialize`: answers 200 with JSON (a `String` is a JSON string).
pub struct Json<T>(PhantomData<T>);

/// The level of `T: Serialize`.
pub trait IsJson<T> {
    /// The kind.
    #[inline]
    fn __qh_kind(&self) -> Json<T> {
        Json(PhantomData)
    }
}

impl<T: serde::Serialize> IsJson<T> for &&Returns<T> {}

impl<T: serde::Serialize> Kind for Json<T> {
    type Value = T;
    type NotJson = Passes;
    type OkNotJson = Passes;
    type Err = Passes;
    #[cfg(feature = "openapi")]
    type Documented = T;
    #[cfg(feature = "openapi")]
    const SHAPE: Shape = Shape::Json;

    #[cfg(feature = "client")]
    decoder!(json);

    #[inline]
    fn __qh_respond(self, value: T, _: fn(Passes) -> Response) -> Response {
        json_response(&value)
    }

    fn __qh_outcome(self, value: T, _: fn(&Passes) -> String) -> TaskOutcome {
        json(&value)
    }
}

// Level 1: `T: IntoResponse`.

/// `T: IntoResponse` (not `Serialize`): answered as it is (`Response`,
/// `Json<T>`, `Html`, `(StatusCode, T)`, `impl IntoResponse`).
pub struct Passthrough<T>(PhantomData<T>);

/// The level of `T: IntoResponse`.
pub trait IsPassthrough<T> {
    /// The kind.
    #[inline]
    fn __qh_kind(&self) -> Passthrough<T> {
        Passthrough(PhantomData)
    }
}

impl<T: IntoResponse> IsPassthrough<T> for &Returns<T> {}

impl<T: IntoResponse> Kind for Passthrough<T> {
    type Value = T;
    type NotJson = T;
    type OkNotJson = Passes;
    type Err = Passes;
    #[cfg(feature = "openapi")]
    type Documented = ();
    #[cfg(feature = "openapi")]
    const SHAPE: Shape = Shape::Any;

    #[cfg(feature = "client")]
    decoder!(passed);

    #[inline]
    fn __qh_respond(self, value: T, _: fn(Passes) -> Response) -> Response {
        value.into_response()
    }

    fn __qh_outcome(self, _: T, _: fn(&Passes) -> String) -> TaskOutcome {
        refused_outcome()
    }
}

// Level 0: anything else.

/// A type that is neither `Serialize` nor `IntoResponse`: reported by the
/// checks as what it cannot be, at the return type.
pub struct Other<T>(PhantomData<T>);

/// The last level: any type.
pub trait IsOther<T> {
    /// The kind.
    #[inline]
    fn __qh_kind(&self) -> Other<T> {
        Other(PhantomData)
    }
}

impl<T> IsOther<T> for Returns<T> {}

impl<T> Kind for Other<T> {
    type Value = T;
    type NotJson = T;
    type OkNotJson = Passes;
    type Err = Passes;
    #[cfg(feature = "openapi")]
    type Documented = ();
    #[cfg(feature = "openapi")]
    const SHAPE: Shape = Shape::Any;

    #[cfg(feature = "client")]
    decoder!(refused);

    fn __qh_respond(self, _: T, _: fn(Passes) -> Response) -> Response {
        refused_answer()
    }

    fn __qh_outcome(self, _: T, _: fn(&Passes) -> String) -> TaskOutcome {
        refused_outcome()
    }
}
