//! [`ToHeader`]: a value written back into an outbound header (by the
//! `to_headers` of `#[derive(qh::TrackingContext)]`).

use std::net::IpAddr;
use std::sync::Arc;

use http::HeaderValue;

use crate::id::RequestId;

/// A type a `TrackingContext` field can be written to an outbound header as
/// (by the derived `to_headers`).
///
/// Implemented for `String`, `Box<str>`, `Arc<str>`, the integer and float
/// types, `bool`, `char`, `Uuid`, `IpAddr`, `HeaderValue`, [`RequestId`], and
/// `Option<T>` of any of them. `None` means "no header": an absent `Option`,
/// or a value that cannot be a header value (a string with a newline, say),
/// which is skipped rather than sent broken.
///
/// ```
/// use axum::http::HeaderValue;
/// use qh::extract::ToHeader;
///
/// struct Tenant(String);
///
/// impl ToHeader for Tenant {
///     fn to_header(&self) -> Option<HeaderValue> {
///         HeaderValue::from_str(&self.0).ok()
///     }
/// }
///
/// assert_eq!(Tenant("acme".into()).to_header().unwrap(), "acme");
/// assert_eq!("two\nlines".to_owned().to_header(), None);
/// assert_eq!(None::<u32>.to_header(), None);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be written to an HTTP header",
    label = "unsupported header type",
    note = "header values can be written from `String`, `Option<T>`, integers, floats, `bool`, `char`, `Uuid`, `IpAddr`, `HeaderValue` or `qh::RequestId`",
    note = "implement `qh::extract::ToHeader` for `{Self}` to write it to a header"
)]
pub trait ToHeader {
    /// The header value, or `None` to send no header.
    fn to_header(&self) -> Option<HeaderValue>;
}

impl<T: ToHeader + ?Sized> ToHeader for &T {
    fn to_header(&self) -> Option<HeaderValue> {
        (**self).to_header()
    }
}

impl<T: ToHeader> ToHeader for Option<T> {
    fn to_header(&self) -> Option<HeaderValue> {
        self.as_ref().and_then(ToHeader::to_header)
    }
}

impl ToHeader for HeaderValue {
    fn to_header(&self) -> Option<HeaderValue> {
        Some(self.clone())
    }
}

impl ToHeader for RequestId {
    fn to_header(&self) -> Option<HeaderValue> {
        Some(self.to_header_value())
    }
}

impl ToHeader for str {
    fn to_header(&self) -> Option<HeaderValue> {
        HeaderValue::from_str(self).ok()
    }
}

impl ToHeader for String {
    fn to_header(&self) -> Option<HeaderValue> {
        self.as_str().to_header()
    }
}

impl ToHeader for Box<str> {
    fn to_header(&self) -> Option<HeaderValue> {
        (**self).to_header()
    }
}

impl ToHeader for Arc<str> {
    fn to_header(&self) -> Option<HeaderValue> {
        (**self).to_header()
    }
}

impl ToHeader for bool {
    fn to_header(&self) -> Option<HeaderValue> {
        Some(HeaderValue::from_static(if *self {
            "true"
        } else {
            "false"
        }))
    }
}

// `to_string` of these is always a valid header value except for `char`s
// like '\n', which `from_str` refuses.
macro_rules! to_header_via_display {
    ($($ty:ty),* $(,)?) => {$(
        impl ToHeader for $ty {
            fn to_header(&self) -> Option<HeaderValue> {
                HeaderValue::from_str(&self.to_string()).ok()
            }
        }
    )*};
}

to_header_via_display!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64, char, IpAddr
);

impl ToHeader for uuid::Uuid {
    fn to_header(&self) -> Option<HeaderValue> {
        let mut buf = uuid::Uuid::encode_buffer();
        HeaderValue::from_str(self.hyphenated().encode_lower(&mut buf)).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_cannot_be_headers_are_skipped() {
        assert_eq!("a\r\nb".to_header(), None);
        assert_eq!('\n'.to_header(), None);
        assert_eq!(Some("ok".to_owned()).to_header().unwrap(), "ok");
        assert_eq!(None::<String>.to_header(), None);
        assert_eq!(42u8.to_header().unwrap(), "42");
        assert_eq!((-1.5f64).to_header().unwrap(), "-1.5");
        assert_eq!(true.to_header().unwrap(), "true");
        assert_eq!(
            uuid::Uuid::nil().to_header().unwrap(),
            "00000000-0000-0000-0000-000000000000"
        );
    }
}
