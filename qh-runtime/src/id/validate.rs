//! Validation of incoming request IDs.
//!
//! An incoming ID is attacker-controlled: it ends up in logs, in response
//! headers and in the headers of outbound calls. The default rule keeps it to a
//! short run of URL- and header-safe characters so that none of those places
//! ever needs escaping.

use std::fmt;
use std::sync::Arc;

/// The longest incoming ID accepted by default, in bytes.
///
/// # Examples
///
/// ```
/// use qh::id::{validate, InvalidRequestId, DEFAULT_MAX_LEN};
///
/// let long = "a".repeat(DEFAULT_MAX_LEN + 1);
/// assert_eq!(
///     validate(long.as_bytes(), DEFAULT_MAX_LEN),
///     Err(InvalidRequestId::TooLong { len: 129, max: 128 })
/// );
/// // Clients that send longer IDs (signed tokens, say) need a larger limit.
/// let layer = qh::Tracking::new().max_len(2 * DEFAULT_MAX_LEN);
/// ```
pub const DEFAULT_MAX_LEN: usize = 128;

/// The longest ID a [`RequestId`](crate::RequestId) can hold, in bytes:
/// [`Tracking::max_len`](crate::Tracking::max_len) is capped here.
///
/// # Examples
///
/// ```
/// use qh::{id::MAX_LEN, RequestId};
///
/// assert!(RequestId::new("a".repeat(MAX_LEN)).is_ok());
/// assert!(RequestId::new("a".repeat(MAX_LEN + 1)).is_err());
/// ```
pub const MAX_LEN: usize = 1024;

/// The punctuation allowed in an ID besides ASCII letters and digits.
///
/// # Examples
///
/// ```
/// use qh::id::{validate, ALLOWED_PUNCTUATION, DEFAULT_MAX_LEN};
///
/// // IDs made of a tenant and a sequence number, joined by `:`, pass the
/// // default rule; joined by `|`, they would not.
/// assert!(ALLOWED_PUNCTUATION.contains(':'));
/// assert!(!ALLOWED_PUNCTUATION.contains('|'));
/// assert!(validate(b"acme:000042", DEFAULT_MAX_LEN).is_ok());
/// assert!(validate(b"acme|000042", DEFAULT_MAX_LEN).is_err());
/// ```
pub const ALLOWED_PUNCTUATION: &str = "._~:+/=@-";

const fn allowed_table() -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric();
        b += 1;
    }
    let punct = ALLOWED_PUNCTUATION.as_bytes();
    let mut i = 0;
    while i < punct.len() {
        table[punct[i] as usize] = true;
        i += 1;
    }
    table
}

static ALLOWED: [bool; 256] = allowed_table();

/// Whether `value` passes the default rule (see [`validate`]), without
/// saying why not: the resolution's fast path.
#[inline]
#[must_use]
pub(crate) fn is_valid(value: &[u8], max_len: usize) -> bool {
    // No early exit: a valid ID (the common case) is read whole anyway, and
    // a branch-free fold lets the compiler unroll the table lookups.
    !value.is_empty()
        && value.len() <= max_len
        && value
            .iter()
            .fold(true, |ok, &b| ok & ALLOWED[usize::from(b)])
}

/// Checks `value` against the default rule incoming IDs must pass: 1 to
/// `max_len` bytes of `[A-Za-z0-9._~:+/=@-]` ([`ALLOWED_PUNCTUATION`]
/// besides letters and digits). The [`Tracking`](crate::Tracking) layer
/// applies it with its [`max_len`](crate::Tracking::max_len) (default
/// [`DEFAULT_MAX_LEN`]) unless a custom validator replaces it.
///
/// Whether a [`RequestId`](crate::RequestId) can hold a value is a looser
/// check (any visible ASCII): [`RequestId::new`](crate::RequestId::new).
///
/// ```
/// use qh::id::{validate, InvalidRequestId};
///
/// assert!(validate(b"7f1c-22:ab", 128).is_ok());
/// assert_eq!(validate(b"<script>", 128), Err(InvalidRequestId::InvalidByte { index: 0 }));
/// assert_eq!(validate(b"", 128), Err(InvalidRequestId::Empty));
/// ```
///
/// # Errors
///
/// [`InvalidRequestId`] naming the first problem found. The error never
/// contains the value itself, only its length or the offending byte position.
pub fn validate(value: &[u8], max_len: usize) -> Result<(), InvalidRequestId> {
    if value.is_empty() {
        return Err(InvalidRequestId::Empty);
    }
    if value.len() > max_len {
        return Err(InvalidRequestId::TooLong {
            len: value.len(),
            max: max_len,
        });
    }
    match value.iter().position(|&b| !ALLOWED[usize::from(b)]) {
        Some(index) => Err(InvalidRequestId::InvalidByte { index }),
        None => Ok(()),
    }
}

/// Why a value was refused as a request ID.
///
/// # Examples
///
/// ```
/// use qh::id::{validate, InvalidRequestId};
/// use qh::RequestId;
///
/// match validate(b"order#7", 128) {
///     Err(InvalidRequestId::InvalidByte { index }) => assert_eq!(index, 5),
///     other => panic!("unexpected {other:?}"),
/// }
/// let err = RequestId::new("two words").unwrap_err();
/// assert_eq!(err, InvalidRequestId::NotVisible { index: 3 });
/// assert_eq!(err.to_string(), "invalid request id: byte 3 is not visible ASCII (`!` to `~`)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidRequestId {
    /// The value is empty.
    Empty,
    /// The value is longer than allowed.
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The value holds a byte outside `[A-Za-z0-9._~:+/=@-]`.
    InvalidByte {
        /// The position of the first such byte.
        index: usize,
    },
    /// The value holds a byte that no request ID can hold: not visible
    /// ASCII (`!` to `~`).
    NotVisible {
        /// The position of the first such byte.
        index: usize,
    },
    /// A custom validator refused the value.
    Rejected,
}

impl fmt::Display for InvalidRequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("invalid request id: it is empty"),
            Self::TooLong { len, max } => {
                write!(
                    f,
                    "invalid request id: {len} bytes long, at most {max} allowed"
                )
            }
            Self::InvalidByte { index } => write!(
                f,
                "invalid request id: byte {index} is not one of `A-Z a-z 0-9 {ALLOWED_PUNCTUATION}`"
            ),
            Self::NotVisible { index } => write!(
                f,
                "invalid request id: byte {index} is not visible ASCII (`!` to `~`)"
            ),
            Self::Rejected => f.write_str("invalid request id: refused by the validator"),
        }
    }
}

impl std::error::Error for InvalidRequestId {}

/// Whether `value` can be held by a [`RequestId`](crate::RequestId): 1 to
/// [`MAX_LEN`] bytes of visible ASCII (`!` to `~`).
///
/// # Errors
///
/// [`InvalidRequestId`] naming the first problem found (never the value).
pub(crate) fn check_id(value: &[u8]) -> Result<(), InvalidRequestId> {
    if value.is_empty() {
        return Err(InvalidRequestId::Empty);
    }
    if value.len() > MAX_LEN {
        return Err(InvalidRequestId::TooLong {
            len: value.len(),
            max: MAX_LEN,
        });
    }
    match value.iter().position(|b| !b.is_ascii_graphic()) {
        Some(index) => Err(InvalidRequestId::NotVisible { index }),
        None => Ok(()),
    }
}

/// The custom part of a rule: asked only about visible ASCII within the
/// length cap.
pub(crate) type CustomRule = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// The rule incoming IDs must pass: a length cap that always applies, then
/// the default alphabet or a custom rule.
#[derive(Clone)]
pub(crate) struct Rule {
    max_len: usize,
    custom: Option<CustomRule>,
}

impl Rule {
    /// The longest accepted value; capped at [`MAX_LEN`].
    pub(crate) fn set_max_len(&mut self, max_len: usize) {
        self.max_len = max_len.min(MAX_LEN);
    }

    pub(crate) fn set_custom(&mut self, rule: CustomRule) {
        self.custom = Some(rule);
    }

    /// The longest accepted value, in bytes.
    #[cfg(feature = "openapi")]
    pub(crate) fn max_len(&self) -> usize {
        self.max_len
    }

    pub(crate) fn is_custom(&self) -> bool {
        self.custom.is_some()
    }

    /// Whether `value` is accepted. A custom rule may panic; callers that
    /// run one catch it (see `resolve`).
    #[inline]
    pub(crate) fn accepts(&self, value: &[u8]) -> bool {
        match &self.custom {
            None => is_valid(value, self.max_len),
            // Visible ASCII only, whatever the rule says: the value goes back
            // out as a header and into logs.
            Some(rule) => {
                !value.is_empty()
                    && value.len() <= self.max_len
                    && value.iter().all(u8::is_ascii_graphic)
                    && std::str::from_utf8(value).is_ok_and(|s| rule(s))
            }
        }
    }
}

impl Default for Rule {
    fn default() -> Self {
        Self {
            max_len: DEFAULT_MAX_LEN,
            custom: None,
        }
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("max_len", &self.max_len)
            .field("custom", &self.custom.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_documented_alphabet() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || ALLOWED_PUNCTUATION.as_bytes().contains(&b);
            assert_eq!(is_valid(&[b], 1), expected, "byte {b:#04x}");
        }
    }

    #[test]
    fn length_bounds() {
        assert!(is_valid(&[b'a'; 128], 128));
        assert!(!is_valid(&[b'a'; 129], 128));
        assert_eq!(
            validate(&[b'a'; 129], 128),
            Err(InvalidRequestId::TooLong { len: 129, max: 128 })
        );
        assert_eq!(
            validate(b"ab c", 128),
            Err(InvalidRequestId::InvalidByte { index: 2 })
        );
        assert_eq!(validate(b"", 128), Err(InvalidRequestId::Empty));
    }

    #[test]
    fn what_no_id_can_hold_is_named_as_such() {
        // `!` is no default-alphabet byte but a `RequestId` may hold it.
        assert_eq!(check_id(b"a!b"), Ok(()));
        let err = check_id(b"a b").unwrap_err();
        assert_eq!(err, InvalidRequestId::NotVisible { index: 1 });
        assert_eq!(
            err.to_string(),
            "invalid request id: byte 1 is not visible ASCII (`!` to `~`)"
        );
        assert!(crate::id::RequestId::new("a\tb").is_err());
    }

    #[test]
    fn custom_rule_never_sees_non_visible_ascii_and_keeps_the_cap() {
        let mut v = Rule::default();
        v.set_custom(Arc::new(|_| true));
        assert!(v.accepts(b"anything-goes!"));
        assert!(!v.accepts(b"tab\there"));
        assert!(!v.accepts("caf\u{e9}".as_bytes()));
        assert!(!v.accepts(b""));
        assert!(v.accepts(&[b'a'; 128]));
        assert!(!v.accepts(&[b'a'; 129]));
        v.set_max_len(usize::MAX);
        assert!(v.accepts(&[b'a'; MAX_LEN]));
        assert!(!v.accepts(&[b'a'; MAX_LEN + 1]));
    }
}
