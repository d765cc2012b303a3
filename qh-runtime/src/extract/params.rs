//! The traits generated code reads header and `#[extract]` parameters
//! through. They exist for their `#[diagnostic::on_unimplemented]` messages:
//! a wrong type is reported at the user's parameter, in the user's words,
//! instead of as a bound of an internal function.

use axum::extract::FromRequestParts;
use http::{HeaderMap, HeaderName};

use super::header::{header, FromHeader};
use crate::error::Error;

/// A type a `#[header]` parameter can be read as: any [`FromHeader`] type.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from an HTTP header",
    label = "unsupported header type",
    note = "header values can be read as `String`, `Option<T>`, integers, floats, `bool`, `char`, `Uuid`, `HeaderValue` or `qh::RequestId`",
    note = "implement `qh::FromHeader` for `{Self}` to read it from a header"
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
