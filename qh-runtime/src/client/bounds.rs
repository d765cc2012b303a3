//! The traits a generated `call` bounds its argument and return types with.
//!
//! The server needs `Deserialize` arguments and a `Serialize` return type;
//! the client the other way round, and a crate that turns the feature
//! `client` on (or depends on one that does) may hold endpoints it never
//! calls whose types cannot be sent. So `call` states its needs as
//! where-clauses over its own lifetime parameter: rustc checks them where
//! `call` is used, not where the endpoint is defined, and an endpoint that
//! is never called costs nothing. The messages say what a type lacks, at
//! the call.

use http::HeaderValue;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::answer::Answer;
use super::encode::{pairs, texts, TextError};
use super::error::DecodeError;
use crate::derive::to_header::ToHeader;

/// A path or query argument of a typed call. (No supertraits: a
/// where-clause's supertraits would be checked where `call` is defined.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as a path or query value by the typed client",
    label = "path and query arguments must implement `serde::Serialize`",
    note = "the server reads them with `serde::Deserialize`; derive both to call the endpoint"
)]
pub trait UrlArg<'c> {
    /// Its URL values: none, one, or one per item of a list.
    #[doc(hidden)]
    fn __qh_texts(&self) -> Result<Vec<String>, TextError>;

    /// Its fields as query pairs (`#[query(flatten)]`).
    #[doc(hidden)]
    fn __qh_pairs(&self) -> Result<Vec<(String, String)>, TextError>;
}

// Report the trait itself, with its message, not the leaf bound.
#[diagnostic::do_not_recommend]
impl<T: Serialize + ?Sized> UrlArg<'_> for T {
    fn __qh_texts(&self) -> Result<Vec<String>, TextError> {
        texts(self)
    }

    fn __qh_pairs(&self) -> Result<Vec<(String, String)>, TextError> {
        pairs(self)
    }
}

/// A body key or `#[body]` argument of a typed call.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent in a JSON body by the typed client",
    label = "body arguments must implement `serde::Serialize`",
    note = "the server reads them with `serde::Deserialize`; derive both to call the endpoint"
)]
pub trait JsonArg<'c> {
    /// As a JSON value (a body key).
    #[doc(hidden)]
    fn __qh_value(&self) -> serde_json::Result<serde_json::Value>;

    /// As JSON text (the whole body).
    #[doc(hidden)]
    fn __qh_bytes(&self) -> serde_json::Result<Vec<u8>>;
}

// Report the trait itself, with its message, not the leaf bound.
#[diagnostic::do_not_recommend]
impl<T: Serialize + ?Sized> JsonArg<'_> for T {
    fn __qh_value(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }

    fn __qh_bytes(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(self)
    }
}

/// A `#[header]` argument of a typed call.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as a header by the typed client",
    label = "header arguments must implement `qh::extract::ToHeader`",
    note = "the server reads them with `qh::extract::FromHeader`; implement both to call the endpoint"
)]
pub trait HeaderArg<'c> {
    /// Its header value, or `None` to send none.
    #[doc(hidden)]
    fn __qh_header(&self) -> Option<HeaderValue>;
}

// Report the trait itself, with its message, not the leaf bound.
#[diagnostic::do_not_recommend]
impl<T: ToHeader + ?Sized> HeaderArg<'_> for T {
    fn __qh_header(&self) -> Option<HeaderValue> {
        self.to_header()
    }
}

/// What a typed call returns: the endpoint's return type (its `Ok` type),
/// read from JSON, or [`Answer`] for an answer passed through.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from the endpoint's answer by the typed client",
    label = "the return type (the `Ok` type of a `Result`) must implement `serde::Deserialize`",
    note = "an endpoint whose answer is `IntoResponse` rather than JSON gives a `qh::client::Answer` when its return type says so (`Response`, `Html<T>`, `Json<T>`, `(StatusCode, T)`, `impl IntoResponse`); a type of your own that answers through `IntoResponse` cannot be decoded"
)]
pub trait Receive<'c>: Sized {
    /// Read from a success answer's JSON.
    #[doc(hidden)]
    fn __qh_from_json(answer: &Answer) -> Result<Self, DecodeError>;

    /// A success answer passed through as it is.
    #[doc(hidden)]
    fn __qh_from_answer(answer: Answer) -> Result<Self, DecodeError>;

    /// A finished task's result.
    #[doc(hidden)]
    fn __qh_from_value(value: serde_json::Value) -> Result<Self, DecodeError>;
}

// Report the trait itself, with its message, not the leaf bound.
#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned> Receive<'_> for T {
    fn __qh_from_json(answer: &Answer) -> Result<Self, DecodeError> {
        // No body (a `HEAD`, a `204`) reads as `null`: `()`, `None`.
        let body = match answer.body() {
            b"" => b"null".as_slice(),
            body => body,
        };
        serde_json::from_slice(body)
            .map_err(|e| DecodeError::new(answer.status(), std::any::type_name::<T>(), Some(e)))
    }

    fn __qh_from_answer(answer: Answer) -> Result<Self, DecodeError> {
        Self::__qh_from_json(&answer)
    }

    fn __qh_from_value(value: serde_json::Value) -> Result<Self, DecodeError> {
        serde_json::from_value(value).map_err(|e| {
            DecodeError::new(http::StatusCode::OK, std::any::type_name::<T>(), Some(e))
        })
    }
}

impl Receive<'_> for Answer {
    fn __qh_from_json(answer: &Answer) -> Result<Self, DecodeError> {
        Ok(answer.clone())
    }

    fn __qh_from_answer(answer: Answer) -> Result<Self, DecodeError> {
        Ok(answer)
    }

    fn __qh_from_value(value: serde_json::Value) -> Result<Self, DecodeError> {
        let body = serde_json::to_vec(&value).unwrap_or_default();
        Ok(Answer::new(
            http::StatusCode::OK,
            http::HeaderMap::new(),
            body.into(),
        ))
    }
}

/// How a typed call reads a success answer: what the return type's kind
/// (`crate::returns`) says it is.
pub type Decoder<O> = fn(Answer) -> Result<O, DecodeError>;
