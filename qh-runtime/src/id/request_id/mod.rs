//! [`RequestId`]: the request's tracking ID, how it is stored and made;
//! its text conversions are `convert`'s, its comparisons `compare`'s.

mod compare;
mod convert;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use arrayvec::ArrayString;
use http::HeaderValue;

use crate::id::validate::{self, InvalidRequestId};

/// IDs up to this many bytes are stored inline: a UUID (36), a W3C trace ID
/// (32), a ULID (26) or a UUID with a short prefix never allocate.
const INLINE: usize = 40;

/// A request's tracking ID.
///
/// Every value of this type is 1 to [`MAX_LEN`](crate::id::MAX_LEN)
/// bytes of visible ASCII (`!` to `~`), so it is safe to log, to echo in a
/// header and to forward to other services. Incoming IDs must also pass the
/// configured rule (by default 1–128 bytes of `[A-Za-z0-9._~:+/=@-]`) before
/// they become one; parsing (`FromStr`, `Deserialize`, a header parameter)
/// accepts exactly what a `RequestId` can hold, so every ID round-trips.
///
/// A `RequestId` owns its bytes: IDs up to 40 bytes are stored inline (no
/// allocation, a cheap copy to clone), longer ones in a shared `Arc<str>`.
/// A kept ID never holds on to the request it came from.
///
/// ```
/// use qh::RequestId;
///
/// let id: RequestId = "order-7f3a".parse().unwrap();
/// assert_eq!(id, "order-7f3a");
/// assert_eq!(id.to_string(), "order-7f3a");
/// assert!("has space".parse::<RequestId>().is_err());
/// assert!(RequestId::new("").is_err());
/// ```
#[derive(Clone)]
pub struct RequestId(Repr);

/// A buffer of an inline ID's size at a word boundary (see
/// `RequestId::from_accepted`).
#[repr(align(8))]
struct Aligned([u8; INLINE]);

#[derive(Clone)]
enum Repr {
    Inline(ArrayString<INLINE>),
    Static(&'static str),
    Shared(Arc<str>),
}

impl RequestId {
    /// Checks that `value` can be an ID (1 to
    /// [`MAX_LEN`](crate::id::MAX_LEN) bytes of visible ASCII) and
    /// wraps it. To apply the stricter rule used for incoming IDs, see
    /// [`id::validate`](crate::id::validate()).
    ///
    /// # Errors
    ///
    /// [`InvalidRequestId`] when the value is empty, too long or holds a byte
    /// outside `!`..=`~`.
    ///
    /// # Examples
    ///
    /// ```
    /// use qh::RequestId;
    ///
    /// let id = RequestId::new("order-42").unwrap();
    /// assert_eq!(id, "order-42");
    /// assert!(RequestId::new("").is_err());
    /// assert!(RequestId::new("two words").is_err());
    /// ```
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidRequestId> {
        let value = value.into();
        validate::check_id(value.as_bytes())?;
        Ok(match ArrayString::from(&value) {
            Ok(inline) => Self(Repr::Inline(inline)),
            Err(_) => Self(Repr::Shared(value.into())),
        })
    }

    /// Wraps a `'static` string.
    ///
    /// # Panics
    ///
    /// When `value` cannot be an ID. Meant for literals in tests and
    /// generators; use [`RequestId::new`] for anything that comes from outside.
    ///
    /// # Examples
    ///
    /// ```
    /// let id = qh::RequestId::from_static("test-1");
    /// assert_eq!(id.as_str(), "test-1");
    /// ```
    #[must_use]
    pub fn from_static(value: &'static str) -> Self {
        if let Err(e) = validate::check_id(value.as_bytes()) {
            panic!("RequestId::from_static({value:?}): {e}");
        }
        Self(Repr::Static(value))
    }

    /// Validates a header value with the default rule for incoming IDs
    /// (1–128 bytes of `[A-Za-z0-9._~:+/=@-]`); `None` if it is refused.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::HeaderValue;
    /// use qh::RequestId;
    ///
    /// let ok = RequestId::from_header_value(&HeaderValue::from_static("abc-123"));
    /// assert_eq!(ok.unwrap(), "abc-123");
    /// // Visible ASCII, but outside the incoming rule's alphabet: refused.
    /// assert!(RequestId::from_header_value(&HeaderValue::from_static("<script>")).is_none());
    /// ```
    #[must_use]
    pub fn from_header_value(value: &HeaderValue) -> Option<Self> {
        validate::is_valid(value.as_bytes(), validate::DEFAULT_MAX_LEN)
            .then(|| Self::from_accepted(value.as_bytes()))
    }

    /// Wraps bytes a rule has accepted (so visible ASCII), copying them.
    pub(crate) fn from_accepted(bytes: &[u8]) -> Self {
        // Accepted bytes are visible ASCII, hence UTF-8: the check cannot
        // fail. A short ID is checked in an aligned copy, which
        // `str::from_utf8` reads a word at a time (a header's bytes sit at
        // any address, read one by one up to a word boundary), and that
        // copy is the inline ID.
        if bytes.len() <= INLINE {
            let mut buf = Aligned([0; INLINE]);
            buf.0[..bytes.len()].copy_from_slice(bytes);
            if let Ok(mut inline) = ArrayString::from_byte_string(&buf.0) {
                inline.truncate(bytes.len());
                return Self(Repr::Inline(inline));
            }
        }
        // An empty string is the safe answer if the check ever failed.
        let text = std::str::from_utf8(bytes).unwrap_or_default();
        Self::from_text(text)
    }

    /// Wraps text already known to satisfy the type's invariant.
    pub(crate) fn from_text(text: &str) -> Self {
        match ArrayString::from(text) {
            Ok(inline) => Self(Repr::Inline(inline)),
            Err(_) => Self(Repr::Shared(text.into())),
        }
    }

    /// The ID as a string slice.
    ///
    /// # Examples
    ///
    /// ```
    /// let id = qh::RequestId::from_static("abc");
    /// let text: &str = id.as_str();
    /// assert_eq!(text, "abc");
    /// ```
    #[inline]
    #[must_use]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline(s) => s.as_str(),
            Repr::Static(s) => s,
            Repr::Shared(s) => s,
        }
    }

    /// The ID as bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(qh::RequestId::from_static("abc").as_bytes(), b"abc");
    /// ```
    #[inline]
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.as_str().as_bytes()
    }

    /// The ID as a header value, for echoing or forwarding.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::HeaderMap;
    ///
    /// let id = qh::RequestId::from_static("abc");
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-request-id", id.to_header_value());
    /// assert_eq!(headers["x-request-id"], "abc");
    /// ```
    #[must_use]
    pub fn to_header_value(&self) -> HeaderValue {
        match &self.0 {
            Repr::Static(s) => HeaderValue::from_static(s),
            _ => HeaderValue::from_str(self.as_str())
                .expect("a RequestId is visible ASCII, which is always a valid header value"),
        }
    }

    /// The length of the ID in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(qh::RequestId::from_static("abc").len(), 3);
    /// ```
    #[inline]
    #[must_use]
    pub fn len(&self) -> usize {
        self.as_str().len()
    }

    /// Always `false`: an ID is never empty. Present for API symmetry.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!qh::RequestId::from_static("a").is_empty());
    /// ```
    #[inline]
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.as_str().is_empty()
    }
}
