//! [`RequestId`]: the request's tracking ID.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use bytes::Bytes;
use http::HeaderValue;

use crate::validate::{self, InvalidRequestId, DEFAULT_MAX_LEN};

/// A request's tracking ID.
///
/// Every value of this type has passed validation: it is 1 to 128 bytes of
/// `[A-Za-z0-9._~:+/=@-]` (or whatever the configured rule accepts), so it is
/// safe to log, to echo in a header and to forward to other services.
///
/// Cloning is cheap: the bytes are shared (an ID taken from a request header
/// shares the header's own buffer), never copied.
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
pub struct RequestId(HeaderValue);

impl RequestId {
    /// Validates `value` with the default rule and wraps it.
    ///
    /// # Errors
    ///
    /// [`InvalidRequestId`] when the value is empty, longer than 128 bytes or
    /// holds a byte outside `[A-Za-z0-9._~:+/=@-]`.
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidRequestId> {
        let value = value.into();
        validate::check(value.as_bytes(), DEFAULT_MAX_LEN)?;
        Ok(Self::from_checked_bytes(Bytes::from(value.into_bytes())))
    }

    /// Wraps a `'static` string, validated with the default rule.
    ///
    /// # Panics
    ///
    /// When `value` is not a valid ID. Meant for literals in tests and
    /// generators; use [`RequestId::new`] for anything that comes from outside.
    #[must_use]
    pub fn from_static(value: &'static str) -> Self {
        if let Err(e) = validate::check(value.as_bytes(), DEFAULT_MAX_LEN) {
            panic!("RequestId::from_static({value:?}): {e}");
        }
        Self::from_checked_bytes(Bytes::from_static(value.as_bytes()))
    }

    /// Validates a header value with the default rule; `None` if it is refused.
    #[must_use]
    pub fn from_header_value(value: &HeaderValue) -> Option<Self> {
        validate::is_valid(value.as_bytes(), DEFAULT_MAX_LEN).then(|| Self(value.clone()))
    }

    /// Wraps a header value that has already been accepted by a validator.
    pub(crate) fn from_accepted(value: &HeaderValue) -> Self {
        Self(value.clone())
    }

    /// A copy that owns its bytes. An ID taken from a request shares the
    /// connection's read buffer, which it keeps alive; work that outlives the
    /// request holds a copy instead.
    #[must_use]
    pub(crate) fn detached(&self) -> Self {
        Self::from_checked_bytes(Bytes::copy_from_slice(self.as_bytes()))
    }

    /// Wraps bytes already known to be valid: visible ASCII.
    pub(crate) fn from_checked_bytes(bytes: Bytes) -> Self {
        // Every validated ID is visible ASCII, which is always a valid header
        // value; the fallback only exists so that no path can panic.
        Self(
            HeaderValue::from_maybe_shared(bytes)
                .unwrap_or_else(|_| HeaderValue::from_static("invalid")),
        )
    }

    /// The ID as a string slice.
    #[inline]
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Always visible ASCII (see the type's invariant).
        std::str::from_utf8(self.0.as_bytes()).unwrap_or_default()
    }

    /// The ID as bytes.
    #[inline]
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The ID as a header value, for echoing or forwarding. Shares the bytes.
    #[inline]
    #[must_use]
    pub fn to_header_value(&self) -> HeaderValue {
        self.0.clone()
    }

    /// The length of the ID in bytes.
    #[inline]
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: an ID is never empty. Present for API symmetry.
    #[inline]
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RequestId").field(&self.as_str()).finish()
    }
}

impl AsRef<str> for RequestId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for RequestId {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Borrow<str> for RequestId {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl FromStr for RequestId {
    type Err = InvalidRequestId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        validate::check(s.as_bytes(), DEFAULT_MAX_LEN)?;
        Ok(Self::from_checked_bytes(Bytes::copy_from_slice(
            s.as_bytes(),
        )))
    }
}

impl TryFrom<String> for RequestId {
    type Error = InvalidRequestId;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl TryFrom<&str> for RequestId {
    type Error = InvalidRequestId;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl TryFrom<&HeaderValue> for RequestId {
    type Error = InvalidRequestId;

    fn try_from(value: &HeaderValue) -> Result<Self, Self::Error> {
        validate::check(value.as_bytes(), DEFAULT_MAX_LEN)?;
        Ok(Self(value.clone()))
    }
}

impl From<RequestId> for HeaderValue {
    fn from(id: RequestId) -> Self {
        id.0
    }
}

impl From<RequestId> for String {
    fn from(id: RequestId) -> Self {
        id.as_str().to_owned()
    }
}

impl PartialEq for RequestId {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for RequestId {}

impl PartialEq<str> for RequestId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RequestId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for RequestId {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<RequestId> for str {
    fn eq(&self, other: &RequestId) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<RequestId> for &str {
    fn eq(&self, other: &RequestId) -> bool {
        *self == other.as_str()
    }
}

impl PartialOrd for RequestId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RequestId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for RequestId {
    // Hashes like `str`, so that `Borrow<str>` lookups work in maps.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl serde::Serialize for RequestId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for RequestId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = RequestId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a request id: 1-128 bytes of `A-Z a-z 0-9 ._~:+/=@-`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RequestId, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<RequestId, E> {
                RequestId::new(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_ids_share_the_buffer() {
        let raw = Bytes::from_static(b"abc-123");
        let hv = HeaderValue::from_maybe_shared(raw.clone()).unwrap();
        let id = RequestId::from_header_value(&hv).unwrap();
        assert_eq!(id.as_bytes().as_ptr(), raw.as_ptr());
    }

    #[test]
    fn detached_ids_own_their_bytes() {
        let raw = Bytes::from(b"abc-123".to_vec());
        let hv = HeaderValue::from_maybe_shared(raw.clone()).unwrap();
        let id = RequestId::from_header_value(&hv).unwrap();
        let copy = id.detached();
        assert_eq!(copy, id);
        assert_ne!(copy.as_bytes().as_ptr(), raw.as_ptr());
    }

    #[test]
    fn comparisons() {
        let id = RequestId::from_static("a-1");
        assert_eq!(id, "a-1");
        assert_eq!("a-1", id);
        assert_eq!(id, String::from("a-1"));
        assert_ne!(id, "a-2");
        let set: std::collections::HashSet<RequestId> = [id.clone()].into();
        assert!(set.contains("a-1"));
    }

    #[test]
    fn serde_round_trip_validates() {
        let id = RequestId::from_static("x.y");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"x.y\"");
        assert_eq!(serde_json::from_str::<RequestId>("\"x.y\"").unwrap(), id);
        assert!(serde_json::from_str::<RequestId>("\"x y\"").is_err());
    }
}
