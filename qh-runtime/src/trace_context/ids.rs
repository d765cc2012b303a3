//! Trace and span IDs, and the lowercase hex they travel as.

use std::fmt;

/// A 16-byte trace ID, never all zeros. Displays as 32 lowercase hex digits.
///
/// # Examples
///
/// ```
/// use qh::trace_context::TraceId;
///
/// let id = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap();
/// assert_eq!(id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
/// assert_eq!(TraceId::from_bytes(id.to_bytes()), Some(id));
/// assert_eq!(TraceId::from_bytes([0; 16]), None); // all zeros: invalid
/// assert_ne!(TraceId::random(), TraceId::random());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId([u8; 16]);

/// An 8-byte span (parent) ID, never all zeros. Displays as 16 lowercase
/// hex digits.
///
/// # Examples
///
/// ```
/// use qh::trace_context::SpanId;
///
/// let id = SpanId::from_hex("00f067aa0ba902b7").unwrap();
/// assert_eq!(id.to_string(), "00f067aa0ba902b7");
/// assert_eq!(id.to_bytes(), 0x00f067aa0ba902b7_u64.to_be_bytes());
/// assert!(SpanId::from_hex("00F067AA0BA902B7").is_none()); // uppercase
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpanId([u8; 8]);

/// Lowercase hex digits in a stack buffer.
pub(crate) struct Hex<const L: usize>([u8; L]);

impl<const L: usize> Hex<L> {
    pub(crate) fn as_str(&self) -> &str {
        // Only ever filled from `HEX_PAIRS`, which is ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

macro_rules! id_type {
    ($ty:ident, $n:literal, $what:literal) => {
        impl $ty {
            #[doc = concat!("The ", $what, " with these bytes; `None` when they are all zero (invalid in W3C Trace Context).")]
            #[must_use]
            pub fn from_bytes(bytes: [u8; $n]) -> Option<Self> {
                (bytes != [0; $n]).then_some(Self(bytes))
            }

            #[doc = concat!("The ", $what, "'s bytes.")]
            #[must_use]
            pub fn to_bytes(self) -> [u8; $n] {
                self.0
            }

            #[doc = concat!("Parses ", stringify!($n), "×2 lowercase hex digits, not all zero.")]
            #[must_use]
            pub fn from_hex(hex: &str) -> Option<Self> {
                Self::from_bytes(parse_hex::<$n>(hex.as_bytes())?)
            }

            /// Writes the lowercase hex form into `out`.
            pub(super) fn write_hex(&self, out: &mut Vec<u8>) {
                push_hex(out, &self.0);
            }
        }

        impl $ty {
            /// The lowercase hex form, on the stack: log lines write IDs on
            /// every event.
            pub(crate) fn hex(&self) -> Hex<{ $n * 2 }> {
                let mut buf = [0u8; $n * 2];
                for (pair, b) in buf.chunks_exact_mut(2).zip(self.0) {
                    pair.copy_from_slice(&HEX_PAIRS[usize::from(b)]);
                }
                Hex(buf)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.hex().as_str())
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($ty), "({})"), self)
            }
        }
    };
}

id_type!(TraceId, 16, "trace ID");
id_type!(SpanId, 8, "span ID");

impl TraceId {
    /// A new random trace ID (122 random bits from a UUID v4: its last 7
    /// bytes are fully random, as W3C's `random` flag expects).
    #[must_use]
    pub fn random() -> Self {
        Self(*uuid::Uuid::new_v4().as_bytes())
    }
}

impl SpanId {
    /// A new random span ID (62 random bits from a UUID v4; the UUID's
    /// variant bits make the first byte non-zero, so it is never all zeros).
    #[must_use]
    pub fn random() -> Self {
        let uuid = uuid::Uuid::new_v4();
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&uuid.as_bytes()[8..]);
        Self(bytes)
    }
}

/// A span's identity, as a W3C `traceparent` carries it: the trace, the
/// span (this service's; with OpenTelemetry on, the exported span), and
/// whether it is sampled. What log lines carry, what outbound calls name as
/// their parent, and what `qh::otel::ids_of` reads off an exported span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TraceIds {
    /// The trace ID.
    pub trace_id: TraceId,
    /// The span ID.
    pub span_id: SpanId,
    /// The W3C `sampled` flag: whether the span is recorded and exported.
    pub sampled: bool,
}

impl TraceIds {
    /// The identity of span `span_id` of trace `trace_id`.
    ///
    /// ```
    /// use qh::trace_context::{SpanId, TraceId, TraceIds};
    ///
    /// let ids = TraceIds::new(
    ///     TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
    ///     SpanId::from_hex("00f067aa0ba902b7").unwrap(),
    ///     true,
    /// );
    /// assert_eq!(ids.traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    /// ```
    #[must_use]
    pub fn new(trace_id: TraceId, span_id: SpanId, sampled: bool) -> Self {
        Self {
            trace_id,
            span_id,
            sampled,
        }
    }

    /// A `traceparent` value naming this span as the parent
    /// (`00-{trace_id}-{span_id}-{flags}`), for an outbound call.
    #[must_use]
    pub fn traceparent(&self) -> String {
        let flags = if self.sampled { "01" } else { "00" };
        format!("00-{}-{}-{flags}", self.trace_id, self.span_id)
    }
}

/// The two lowercase hex digits of every byte (one load a byte).
static HEX_PAIRS: [[u8; 2]; 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut pairs = [[0; 2]; 256];
    let mut b = 0;
    while b < pairs.len() {
        pairs[b] = [HEX[b >> 4], HEX[b & 0xf]];
        b += 1;
    }
    pairs
};

pub(super) fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        out.extend_from_slice(&HEX_PAIRS[usize::from(b)]);
    }
}

/// `N` bytes from exactly `2N` lowercase hex digits.
pub(super) fn parse_hex<const N: usize>(hex: &[u8]) -> Option<[u8; N]> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    if hex.len() != 2 * N {
        return None;
    }
    let mut out = [0; N];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}
