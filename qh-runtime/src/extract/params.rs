//! The traits generated code reads parameters through: headers,
//! `#[extract]`, body fields, URL (path and query) parameters and `#[body]`. They exist for their `#[diagnostic::on_unimplemented]` messages:
//! a wrong type is reported at the user's parameter, in the user's words,
//! instead of as a bound of an internal function.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use http::{HeaderMap, HeaderName};

use serde::de::{DeserializeOwned, MapAccess};

use super::body_error::{json_error, unsupported_media_type};
use super::fields::{absent, take, Source};
use super::header::{header, FromHeader};
use super::integral::{Integral, IntegralSeed};
use crate::error::Error;

/// A type a `#[header]` parameter can be read as: any [`FromHeader`] type.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from an HTTP header",
    label = "unsupported header type",
    note = "header values can be read as `String`, `Option<T>`, integers, floats, `bool`, `char`, `Uuid`, `HeaderValue` or `qh::RequestId`",
    note = "implement `qh::extract::FromHeader` for `{Self}` to read it from a header"
)]
pub trait HeaderParam: Sized {
    /// Reads header `name`; required unless `Self` says what absence is.
    ///
    /// # Errors
    ///
    /// 400 naming the header when it is required and absent, or unreadable.
    fn __qh_header(headers: &HeaderMap, name: &HeaderName) -> Result<Self, Error>;

    /// Reads header `name`, `None` when absent (the parameter has a default).
    ///
    /// # Errors
    ///
    /// 400 naming the header when it is present but unreadable.
    fn __qh_header_opt(headers: &HeaderMap, name: &HeaderName) -> Result<Option<Self>, Error>;
}

// Report `HeaderParam` itself rather than the `FromHeader` bound.
#[diagnostic::do_not_recommend]
impl<T: FromHeader> HeaderParam for T {
    #[inline]
    fn __qh_header(headers: &HeaderMap, name: &HeaderName) -> Result<Self, Error> {
        header(headers, name)
    }

    #[inline]
    fn __qh_header_opt(headers: &HeaderMap, name: &HeaderName) -> Result<Option<Self>, Error> {
        if headers.contains_key(name) {
            header(headers, name).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// A type an `#[extract]` parameter can be: an axum extractor that reads
/// the request head.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an `#[extract]` parameter",
    label = "not an extractor of the request head",
    note = "`#[extract]` takes axum extractors implementing `FromRequestParts` for the router's state: `State<T>`, `Extension<T>`, `HeaderMap`, a `TrackingContext`, …",
    note = "to read the body, use `#[body] x: T` with a `serde::Deserialize` type"
)]
pub trait ExtractParam<S>: FromRequestParts<S> {}

// Report `ExtractParam` itself rather than the `FromRequestParts` bound and
// its list of axum's implementors.
#[diagnostic::do_not_recommend]
impl<S, T: FromRequestParts<S>> ExtractParam<S> for T {}

/// Asserts that a body parameter can be deserialized, with a hint for the
/// common mistake of leaving an axum extractor unannotated.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a JSON body field",
    label = "this parameter is read from the JSON body, so it must implement `serde::Deserialize`",
    note = "unannotated parameters are top-level keys of the JSON body object",
    note = "if `{Self}` is an axum extractor (`State`, `Extension`, a `TrackingContext`, …), mark the parameter `#[extract]`"
)]
// No `DeserializeOwned` supertrait and only methods called as
// `<T as BodyField>::…`: a failure then carries no "required by a bound in"
// note, so the identical errors of the generated reads and takes are shown
// once.
pub trait BodyField: Sized {
    /// Reads the field's value.
    ///
    /// # Errors
    ///
    /// When the value does not deserialize as `Self`.
    fn __qh_next<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Self, A::Error>;

    /// What an absent field holds: `None` for `Option<T>`, else nothing.
    fn __qh_absent() -> Option<Self>;

    /// The field's value, `None` for an absent `Option<T>`.
    ///
    /// # Errors
    ///
    /// 422 naming the missing field.
    #[inline]
    fn __qh_take(value: Option<Self>, name: &'static str) -> Result<Self, Error> {
        take(value, Self::__qh_absent, Source::Body, name)
    }
}

// Report `BodyField` itself (with its message) rather than the leaf
// `Deserialize` bound and its list of unrelated implementors.
#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned> BodyField for T {
    #[inline]
    fn __qh_next<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Self, A::Error> {
        // `2.0` for an integer, as the document's `integer` allows.
        map.next_value_seed(IntegralSeed(PhantomData))
    }

    #[inline]
    fn __qh_absent() -> Option<Self> {
        absent(false)
    }
}

/// Asserts that a path or query parameter can be deserialized.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from the URL",
    label = "path and query parameters must implement `serde::Deserialize`",
    note = "if `{Self}` is an axum extractor, mark the parameter `#[extract]`"
)]
pub trait UrlField: Sized {
    /// Reads the parameter's value.
    ///
    /// # Errors
    ///
    /// When the value does not deserialize as `Self`.
    fn __qh_next<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Self, A::Error>;

    /// What an absent parameter holds: `None` for `Option<T>`, else nothing.
    fn __qh_absent() -> Option<Self>;

    /// The query parameter's value, `None` for an absent `Option<T>`.
    ///
    /// # Errors
    ///
    /// 400 naming the missing parameter.
    #[inline]
    fn __qh_take_query(value: Option<Self>, name: &'static str) -> Result<Self, Error> {
        take(value, Self::__qh_absent, Source::Query, name)
    }

    /// The path parameter's value.
    ///
    /// # Errors
    ///
    /// 400 naming the parameter (only when the route and the function
    /// disagree).
    #[inline]
    fn __qh_take_path(value: Option<Self>, name: &'static str) -> Result<Self, Error> {
        take(value, Self::__qh_absent, Source::Path, name)
    }
}

// Report `UrlField` itself (with its message) rather than the leaf
// `Deserialize` bound and its list of unrelated implementors.
#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned> UrlField for T {
    #[inline]
    fn __qh_next<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Self, A::Error> {
        map.next_value()
    }

    #[inline]
    fn __qh_absent() -> Option<Self> {
        // An absent repeatable query parameter is an empty list.
        absent(true)
    }
}

/// Asserts that a `#[body]` parameter can be deserialized.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from the JSON body",
    label = "a `#[body]` parameter must implement `serde::Deserialize`",
    note = "`#[body]` reads the whole JSON body as this type: derive `serde::Deserialize` for it"
)]
// A method, called as `<T as WholeBody>::…`, so a failure carries no
// "required by a bound" note pointing into qh.
pub trait WholeBody: Sized {
    /// Parses the whole JSON body as `Self`.
    ///
    /// # Errors
    ///
    /// As [`whole_body`](super::whole_body).
    fn __qh_whole_body(body: Option<&[u8]>) -> Result<Self, Error>;
}

// Report `WholeBody` itself rather than the leaf `Deserialize` bound.
#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned> WholeBody for T {
    #[inline]
    fn __qh_whole_body(body: Option<&[u8]>) -> Result<Self, Error> {
        match body {
            Some(body) => {
                let mut de = serde_json::Deserializer::from_slice(body);
                // `2.0` for an integer at any depth, as the document's
                // `integer` allows.
                <Self as serde::Deserialize>::deserialize(Integral(&mut de))
                    .and_then(|value| de.end().map(|()| value))
                    .map_err(|e| json_error(&e))
            }
            None => Err(unsupported_media_type()),
        }
    }
}
