//! The shapes of return type, each a level of the ladder (its trait, in
//! [`levels`]) and a kind (its behaviour, a [`Kind`] impl), most specific
//! first. A new shape is one more block in `results` (a `Result`) or
//! `plain` (any other type), and one more `&` in
//! [`return_kind!`](crate::return_kind) if it goes on top; here the ladder
//! itself.
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

use axum::response::Response;

use crate::tasks::TaskOutcome;

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
    pub use super::plain::{IsJson, IsOther, IsPassthrough, IsUnit};
    pub use super::results::{IsJsonResult, IsOtherResult, IsResponseResult, IsUnitResult};
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

// Declared after `decoder!`, which both use.
mod plain;
mod results;
