//! The one classification of an endpoint's return type, which everything
//! that reads the return value follows: the answer to the request, a task
//! endpoint's outcome, and the OpenAPI description of the answer.
//!
//! [`return_kind!`](crate::return_kind) is an autoref ladder (how those
//! work: `crate::support::autoref`) over the return type; it yields a
//! *kind*, a zero-sized value whose type says which shape the return type
//! has (`shapes`). Each kind implements [`Kind`]: how it is answered, how
//! it is stored as a task's outcome, and how it is documented. The
//! expansion of `#[qh::endpoint]` classifies once where it answers, once
//! where it submits a task, and once (by type alone) in its OpenAPI
//! description; all three go through this module, so they cannot disagree
//! and a new return shape is one level and one kind, in `shapes`.
//!
//! What a consumer needs of a part of the return type beyond what the
//! classification found (the error type must answer, or have a message)
//! comes from its *check* (`checks`): a qualified-path call, generated at
//! the span of the user's type, that reports a part that does not fit
//! there, in qh's words, and otherwise hands back the function that uses
//! it. The kinds themselves have no bounds that can fail, so a return type
//! that does not fit is reported once, at the type at fault.

mod checks;
mod shapes;

use std::marker::PhantomData;

use axum::response::{IntoResponse, Response};

pub use checks::{ErrorReply, OkReply, Reply, TaskFailure, TaskReturn};

use crate::tasks::TaskOutcome;

#[cfg(feature = "client")]
use crate::client::generated::{Decoder, Receive};

/// What [`return_kind!`](crate::return_kind) names, through
/// `qh::__private::returns`.
#[doc(hidden)]
pub mod generated {
    pub use super::shapes::{levels, Returns};
}

/// The types a consumer checks, each at its own span in the user's code:
/// the return type, its `Ok` type and its error type when they cannot be
/// made JSON (`Passes` where there is nothing to check).
pub type Needs<V, O, E> = (PhantomData<V>, PhantomData<O>, PhantomData<E>);

/// A shape of return type, found by [`return_kind!`](crate::return_kind):
/// what the endpoint answers, what a task endpoint stores, and what the
/// document says. Implemented by the kinds in `shapes` only.
pub trait Kind: Sized {
    /// The return type.
    type Value;
    /// The return type when no JSON can be made of it (checked: an answer
    /// wants `IntoResponse`, a task's result JSON), else `Passes`.
    type NotJson;
    /// A `Result`'s `Ok` type when no JSON can be made of it, else
    /// `Passes`.
    type OkNotJson;
    /// A `Result`'s error type (checked: an answer wants it to answer, a
    /// task a message), else `Passes`.
    type Err;
    /// The type whose schema the success answer has (`()` for none).
    #[cfg(feature = "openapi")]
    type Documented;
    /// What the success answer holds.
    #[cfg(feature = "openapi")]
    const SHAPE: crate::openapi::generated::Shape;

    /// The types to check, for the checks in `checks`.
    #[inline]
    fn __qh_needs(&self) -> Needs<Self::NotJson, Self::OkNotJson, Self::Err> {
        (PhantomData, PhantomData, PhantomData)
    }

    /// The answer to the request; `err` answers the error (from
    /// [`ErrorReply`]).
    fn __qh_respond(self, value: Self::Value, err: fn(Self::Err) -> Response) -> Response;

    /// What a task endpoint stores; `err` is the error's message (from
    /// [`TaskFailure`]).
    fn __qh_outcome(self, value: Self::Value, err: fn(&Self::Err) -> String) -> TaskOutcome;

    /// How the typed client reads a success answer into `O`, what its
    /// `call` returns (`crate::client`): JSON for the kinds answered as
    /// JSON, the answer as it came for those passed through.
    #[cfg(feature = "client")]
    fn __qh_decoder<'c, O: Receive<'c>>(&self) -> Decoder<O>;

    /// The success answer's schema type, and its shape.
    #[cfg(feature = "openapi")]
    #[inline]
    fn __qh_document(
        &self,
    ) -> (
        PhantomData<Self::Documented>,
        crate::openapi::generated::Shape,
    ) {
        (PhantomData, Self::SHAPE)
    }

    /// The error type, for the document's error answers (`qh::Error`
    /// answers problem documents of any status).
    #[cfg(feature = "openapi")]
    #[inline]
    fn __qh_error(&self) -> PhantomData<Self::Err> {
        PhantomData
    }
}

/// What a check that has nothing to report is about: every check trait is
/// implemented for it.
///
/// It meets their blanket impls (it is `IntoResponse`, `Serialize` and
/// `Display`) rather than having impls of its own, which rustc would list
/// as "implemented for `Passes`" under every error.
pub struct Passes;

// The OpenAPI error ladder's bottom rung (`openapi::generated::NoFailure`):
// a kind with no error type (`Passes`) documents no failure.
#[cfg(feature = "openapi")]
impl crate::openapi::generated::NoFailure for &&crate::openapi::generated::ErrorType<Passes> {}

impl IntoResponse for Passes {
    fn into_response(self) -> Response {
        // Never called: no kind with nothing to check answers through it.
        ().into_response()
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
