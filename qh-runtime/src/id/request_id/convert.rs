//! [`RequestId`] as text and from it: formatting, borrowing as `str` and
//! bytes, parsing and checked conversions (strings, header values), and
//! serde, which accepts exactly what [`RequestId::new`] does.

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

use http::HeaderValue;

use super::RequestId;
use crate::id::validate::{self, InvalidRequestId};

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
        validate::check_id(s.as_bytes())?;
        Ok(Self::from_text(s))
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
        validate::check_id(value.as_bytes())?;
        Ok(Self::from_accepted(value.as_bytes()))
    }
}

impl From<RequestId> for HeaderValue {
    fn from(id: RequestId) -> Self {
        id.to_header_value()
    }
}

impl From<RequestId> for String {
    fn from(id: RequestId) -> Self {
        id.as_str().to_owned()
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
                f.write_str("a request id: visible ASCII text")
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
