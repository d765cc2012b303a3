//! How [`RequestId`]s compare and hash: as their text, with each other and
//! with `str` and `String`, so that `Borrow<str>` lookups work in maps.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use super::RequestId;

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
