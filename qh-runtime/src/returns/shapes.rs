//! The shapes of return type, each a level of the ladder (its trait, in
//! [`levels`]) and a kind (its behaviour, a [`Kind`] impl), most specific
//! first. A new shape is one more block here, and one more `&` in
//! [`return_kind!`](crate::return_kind) if it goes on top.
//!
//! | level | return type | answer | task outcome | document | client reads |
//! | --- | --- | --- | --- | --- | --- |
//! | 5 | `Result<(), E>` | `null`, or `E` | `null`, or `E`'s message | `null` | JSON |
//! | 4 | `Result<T: Serialize, E>` | `T` as JSON, or `E` | `T`, or `E`'s message | `T` | JSON |
//! | 3 | `Result<T: IntoResponse, E>` | `T` as it is, or `E` | refused | any | as it came |
//! | 3 | `()` | `null` | `null` | `null` | JSON |
//! | 2 | any other `Result<T, E>` | refused | refused | any | refused |
//! | 2 | `T: Serialize` | JSON | `T` | `T` | JSON |
//! | 1 | `T: IntoResponse` | as it is | refused | any | as it came |
//! | 0 | anything else | refused | refused | any | refused |
//!
//! `E` answers when `Result<(), E>` does (`E: IntoResponse`, or axum's
//! `ErrorResponse`), and has a message when it is `Display`: the checks in
//! `checks` decide, at `E`'s span. "Refused" is a check that fails at the
//! user's type; those kinds' answers are never reached.
//!
//! Two shapes share a level only when no type has both (a `Result` is not
//! `()`; a `Result` left at level 2 is not `Serialize`), and the top level
//! has one: a return type rustc could not resolve (the function itself is
//! in error) then meets one candidate, not an ambiguity.

use std::marker::PhantomData;

use axum::response::{IntoResponse, Response};

use super::{Kind, Passes};
use crate::endpoint::respond::json_response;
use crate::tasks::endpoint::{failed, json};
use crate::tasks::TaskOutcome;

#[cfg(feature = "openapi")]
use crate::openapi::generated::Shape;

#[cfg(feature = "client")]
use crate::client::generated::{Decoder, Receive};

/// The client's decoders: JSON for what is answered as JSON, the answer as
/// it came for what passes through. (`Receive` says what `O` can be.)
#[cfg(feature = "client")]
macro_rules! decoder {
    (json) => {
        fn __qh_decoder<'c, O: Receive<'c>>(&self) -> Decoder<O> {
            |answer| O::__qh_from_json(&answer)
        }
    };
    (passed) => {
        fn __qh_decoder<'c, O: Receive<'c>>(&self) -> Decoder<O> {
            O::__qh_from_answer
        }
    };
    (refused) => {
        fn __qh_decoder<'c, O: Receive<'c>>(&self) -> Decoder<O> {
            |_| refused_answer_decoded()
        }
    };
}

/// The kind of a return value, or of a return type:
/// `return_kind!(&value)` or `return_kind!(type T)`.
///
/// The ladder's levels are found by method lookup on
/// `&&&&&&Returns<T>`: one `&` more than the top level's `Self` type, as
/// the methods take `&self` (see `crate::support::autoref`). The user's
/// expression or type is read outside the block that imports the levels,
/// so none of their names can capture it.
#[doc(hidden)]
#[macro_export]
macro_rules! return_kind {
    (type $ty:ty) => {{
        let __qh_returns = $crate::__private::returns::Returns::<$ty>::new();
        {
            #[allow(unused_imports)]
            use $crate::__private::returns::levels::*;
            (&&&&&&__qh_returns).__qh_kind()
        }
    }};
    ($value:expr) => {{
        let __qh_returns = $crate::__private::returns::Returns::of($value);
        {
            #[allow(unused_imports)]
            use $crate::__private::returns::levels::*;
            (&&&&&&__qh_returns).__qh_kind()
        }
    }};
}

/// The ladder over return type `T` (see [`return_kind!`](crate::return_kind)).
pub struct Returns<T>(PhantomData<T>);

impl<T> Returns<T> {
    /// The ladder for the type of `value`.
    #[inline]
    #[must_use]
    pub fn of(_: &T) -> Self {
        Self(PhantomData)
    }

    /// The ladder for `T`.
    #[inline]
    #[must_use]
    pub fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Default for Returns<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The level traits, one per shape: `return_kind!` imports them all.
pub mod levels {
    pub use super::{
        IsJson, IsJsonResult, IsOther, IsOtherResult, IsPassthrough, IsResponseResult, IsUnit,
        IsUnitResult,
    };
}

// Answers that cannot happen: the kinds that refuse a type are only chosen
// when a check fails to compile at that type.
fn refused_answer() -> Response {
    unreachable!("a return type that cannot be answered was checked at compile time")
}

fn refused_outcome() -> TaskOutcome {
    unreachable!("a return type that cannot be stored was checked at compile time")
}

#[cfg(feature = "client")]
fn refused_answer_decoded<O>() -> O {
    unreachable!("a return type that cannot be answered was checked at compile time")
}

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
