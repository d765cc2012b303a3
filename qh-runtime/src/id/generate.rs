//! ID generators.

use std::fmt;
use std::sync::Arc;

use uuid::Uuid;

use crate::id::RequestId;

/// How new request IDs are made.
///
/// ```
/// use qh::{IdGenerator, RequestId};
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// let v7 = IdGenerator::UuidV7.generate();
/// assert_eq!(v7.len(), 36);
///
/// static NEXT: AtomicU64 = AtomicU64::new(1);
/// let counter = IdGenerator::custom(|| {
///     RequestId::new(format!("req-{}", NEXT.fetch_add(1, Ordering::Relaxed))).unwrap()
/// });
/// assert_eq!(counter.generate(), "req-1");
/// ```
#[derive(Clone, Default)]
pub enum IdGenerator {
    /// A random UUID v4, hyphenated lowercase (the default).
    #[default]
    UuidV4,
    /// A time-ordered UUID v7, hyphenated lowercase: sorts by creation time.
    UuidV7,
    /// A custom function.
    Custom(Arc<dyn Fn() -> RequestId + Send + Sync>),
}

impl IdGenerator {
    /// A generator backed by any `Fn() -> RequestId`.
    pub fn custom(f: impl Fn() -> RequestId + Send + Sync + 'static) -> Self {
        Self::Custom(Arc::new(f))
    }

    pub(crate) fn is_custom(&self) -> bool {
        matches!(self, Self::Custom(_))
    }

    /// Makes a new ID.
    #[inline]
    #[must_use]
    pub fn generate(&self) -> RequestId {
        match self {
            Self::UuidV4 => from_uuid(Uuid::new_v4()),
            Self::UuidV7 => from_uuid(Uuid::now_v7()),
            Self::Custom(f) => f(),
        }
    }
}

/// Encodes straight into the ID's inline buffer: no allocation, no
/// `format!`, no re-parse.
#[inline]
fn from_uuid(uuid: Uuid) -> RequestId {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    RequestId::from_text(uuid.hyphenated().encode_lower(&mut buf))
}

impl fmt::Debug for IdGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UuidV4 => f.write_str("UuidV4"),
            Self::UuidV7 => f.write_str("UuidV7"),
            Self::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_valid_and_versioned() {
        let v4 = IdGenerator::UuidV4.generate();
        let v7 = IdGenerator::UuidV7.generate();
        assert_eq!(Uuid::parse_str(v4.as_str()).unwrap().get_version_num(), 4);
        assert_eq!(Uuid::parse_str(v7.as_str()).unwrap().get_version_num(), 7);
        assert!(crate::id::validate::is_valid(v4.as_bytes(), 128));
    }

    #[test]
    fn v7_sorts_by_time() {
        let a = IdGenerator::UuidV7.generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = IdGenerator::UuidV7.generate();
        assert!(a < b);
    }
}
