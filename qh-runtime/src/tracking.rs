//! Support for `#[derive(qh::TrackingContext)]`: [`ToHeader`], which turns a
//! field back into an outbound header value, and the helpers the derive's
//! expansion calls.

use std::net::IpAddr;
use std::sync::Arc;

use http::HeaderValue;

use crate::RequestId;

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
/// use qh::{http::HeaderValue, ToHeader};
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
    note = "implement `qh::ToHeader` for `{Self}` to write it to a header"
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

/// What `#[derive(TrackingContext)]` expansions call, as
/// `::qh::__private::tracking::…`. Not public API.
#[doc(hidden)]
pub mod private {
    use crate::layer::{request_id_of, Resolved};
    use crate::{context, Tracking};

    pub use super::ToHeader;
    pub use crate::context::get;
    pub use crate::extract::{header, FromHeader, FromRequestId};
    pub use crate::{Error, RequestId};
    pub use http::request::Parts;
    pub use http::{HeaderMap, HeaderName};

    /// The request's ID for an extractor: the one already resolved for this
    /// request, else one resolved with the defaults (from `header` when the
    /// struct names one), remembered so later extractors agree.
    pub fn id_from_parts(parts: &mut Parts, header: Option<&HeaderName>) -> RequestId {
        match header {
            Some(header) if parts.extensions.get::<Resolved>().is_none() && !context::is_set() => {
                let resolved = Tracking::defaults().resolve(&parts.headers, Some(header));
                let id = resolved.id.clone();
                parts.extensions.insert(resolved);
                id
            }
            _ => request_id_of(parts),
        }
    }

    /// The ID for `from_headers`: the current request's inside one, else
    /// the headers' (validated with the defaults), else a new one.
    pub fn id_from_headers(headers: &HeaderMap, header: Option<&HeaderName>) -> RequestId {
        context::request_id().unwrap_or_else(|| Tracking::defaults().resolve(headers, header).id)
    }

    /// Adds `value` under `name`, unless it is absent or not a valid header
    /// value.
    pub fn put<T: ToHeader + ?Sized>(headers: &mut HeaderMap, name: HeaderName, value: &T) {
        if let Some(value) = value.to_header() {
            headers.insert(name, value);
        }
    }

    /// Stores a clone of a `TrackingContext` in the request's context when it
    /// is `Clone` (autoref specialization: see [`StoreClone`] and
    /// [`StoreNothing`]), so `current()` finds it.
    pub struct Store<'a, T>(pub &'a T);

    /// Chosen for `(&Store(&value)).store()` when `T: Clone`.
    pub trait StoreClone {
        /// Stores a clone of the value in the current request's context.
        fn store(&self);
    }

    impl<T: Clone + Send + Sync + 'static> StoreClone for Store<'_, T> {
        fn store(&self) {
            if context::is_set() {
                context::insert(self.0.clone());
            }
        }
    }

    /// Chosen for `(&Store(&value)).store()` otherwise: there is nothing to
    /// store a copy with.
    pub trait StoreNothing {
        /// Does nothing.
        fn store(&self);
    }

    impl<T> StoreNothing for &Store<'_, T> {
        fn store(&self) {}
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

    // The borrows are the autoref specialization under test.
    #[allow(clippy::needless_borrow)]
    #[tokio::test]
    async fn clone_values_are_stored_only_in_a_request() {
        use private::{Store, StoreClone as _, StoreNothing as _};

        #[derive(Clone, PartialEq, Debug)]
        struct C(u8);
        struct N;

        (&Store(&C(1))).store();
        assert_eq!(crate::context::get::<C>(), None);
        crate::context::Context::new(RequestId::from_static("t"))
            .scope(async {
                (&Store(&C(2))).store();
                (&Store(&N)).store();
                assert_eq!(crate::context::get::<C>(), Some(C(2)));
            })
            .await;
    }
}
