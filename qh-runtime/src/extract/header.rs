//! Header parameters: [`FromHeader`] and the read of one header.

use std::borrow::Cow;
use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::Error;
use crate::id::RequestId;

/// A type a header parameter (or a `TrackingContext` field) can be read as.
///
/// Implemented for `String`, `Box<str>`, `Arc<str>`, the integer and float
/// types, `bool`, `char`, `Uuid`, `HeaderValue`, [`RequestId`], and
/// `Option<T>` of any of them (an absent header is `None`; a present but
/// unreadable one is still an error).
///
/// ```
/// use axum::http::HeaderValue;
/// use qh::extract::FromHeader;
///
/// struct Tenant(String);
///
/// impl FromHeader for Tenant {
///     fn from_header(value: &HeaderValue) -> Result<Self, std::borrow::Cow<'static, str>> {
///         let s = value.to_str().map_err(|_| "expected visible ASCII")?;
///         Ok(Tenant(s.to_ascii_lowercase()))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from an HTTP header",
    label = "unsupported header type",
    note = "header values can be read as `String`, `Option<T>`, integers, floats, `bool`, `char`, `Uuid`, `HeaderValue` or `qh::RequestId`",
    note = "implement `qh::extract::FromHeader` for `{Self}` to read it from a header"
)]
pub trait FromHeader: Sized {
    /// Reads a present header value.
    ///
    /// # Errors
    ///
    /// Why the value cannot be read. The message is shown to the client, so
    /// it must not quote the value.
    fn from_header(value: &HeaderValue) -> Result<Self, Cow<'static, str>>;

    /// The value used when the header is absent; `None` means it is required.
    fn missing() -> Option<Self> {
        None
    }
}

impl<T: FromHeader> FromHeader for Option<T> {
    fn from_header(value: &HeaderValue) -> Result<Self, Cow<'static, str>> {
        T::from_header(value).map(Some)
    }

    fn missing() -> Option<Self> {
        Some(None)
    }
}

impl FromHeader for HeaderValue {
    fn from_header(value: &HeaderValue) -> Result<Self, Cow<'static, str>> {
        Ok(value.clone())
    }
}

impl FromHeader for RequestId {
    fn from_header(value: &HeaderValue) -> Result<Self, Cow<'static, str>> {
        RequestId::try_from(value).map_err(|e| Cow::Owned(e.to_string()))
    }
}

fn header_text(value: &HeaderValue) -> Result<&str, Cow<'static, str>> {
    std::str::from_utf8(value.as_bytes()).map_err(|_| Cow::Borrowed("expected UTF-8 text"))
}

impl FromHeader for String {
    fn from_header(value: &HeaderValue) -> Result<Self, Cow<'static, str>> {
        header_text(value).map(str::to_owned)
    }
}

impl FromHeader for Box<str> {
    fn from_header(value: &HeaderValue) -> Result<Self, Cow<'static, str>> {
        header_text(value).map(Into::into)
    }
}

impl FromHeader for Arc<str> {
    fn from_header(value: &HeaderValue) -> Result<Self, Cow<'static, str>> {
        header_text(value).map(Into::into)
    }
}

impl FromHeader for bool {
    fn from_header(value: &HeaderValue) -> Result<Self, Cow<'static, str>> {
        super::parse_bool(value.as_bytes()).ok_or(Cow::Borrowed(super::BOOL_EXPECTED))
    }
}

macro_rules! from_header_via_from_str {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl FromHeader for $ty {
            fn from_header(value: &HeaderValue) -> Result<Self, Cow<'static, str>> {
                header_text(value)?
                    .trim()
                    .parse()
                    .map_err(|_| Cow::Borrowed(concat!("expected ", $what)))
            }
        }
    )*};
}

/// Integers read by the rule every integer source reads by (`2.0` too:
/// `crate::extract::integral`).
macro_rules! from_header_integer {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl FromHeader for $ty {
            fn from_header(value: &HeaderValue) -> Result<Self, Cow<'static, str>> {
                super::integral::parse_int(header_text(value)?)
                    .ok_or(Cow::Borrowed(concat!("expected ", $what)))
            }
        }
    )*};
}

from_header_integer! {
    u8 => "an integer from 0 to 255",
    u16 => "an integer from 0 to 65535",
    u32 => "a non-negative 32-bit integer",
    u64 => "a non-negative 64-bit integer",
    u128 => "a non-negative 128-bit integer",
    usize => "a non-negative integer",
    i8 => "an integer from -128 to 127",
    i16 => "a 16-bit integer",
    i32 => "a 32-bit integer",
    i64 => "a 64-bit integer",
    i128 => "a 128-bit integer",
    isize => "an integer",
}

from_header_via_from_str! {
    f32 => "a number",
    f64 => "a number",
    char => "a single character",
    uuid::Uuid => "a UUID",
    std::net::IpAddr => "an IP address",
}

/// Reads header `name` as `T`; a `None` from `T::missing` makes it required.
///
/// # Errors
///
/// 400 naming the header when it is required and absent, unreadable, or
/// sent on several lines.
#[inline]
pub fn header<T: FromHeader>(headers: &HeaderMap, name: &HeaderName) -> Result<T, Error> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => {
            T::from_header(value).map_err(|why| Error::invalid_header(name, &why))
        }
        // Which line would be meant is a guess: refused, as for the ID.
        (Some(_), Some(_)) => Err(Error::invalid_header(name, "it appears more than once")),
        (None, _) => T::missing().ok_or_else(|| Error::missing_header(name)),
    }
}
