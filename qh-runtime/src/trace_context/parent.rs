//! [`TraceParent`]: one strictly parsed `traceparent` value.

use http::HeaderValue;

use super::ids::parse_hex;
use super::{SpanId, TraceId, RANDOM, SAMPLED};

/// One parsed `traceparent` value.
///
/// ```
/// use qh::trace_context::TraceParent;
///
/// let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
/// assert_eq!(tp.trace_id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
/// assert_eq!(tp.parent_id.to_string(), "00f067aa0ba902b7");
/// assert!(tp.sampled());
///
/// // Uppercase hex, an all-zero ID, a wrong length: not a traceparent.
/// assert!(TraceParent::parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01").is_none());
/// assert!(TraceParent::parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01").is_none());
/// assert!(TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-").is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceParent {
    /// The version (`00`, or a later one parsed by the forward-compatible
    /// rules; never `ff`).
    pub version: u8,
    /// The trace this request belongs to.
    pub trace_id: TraceId,
    /// The caller's span: the parent of this service's span.
    pub parent_id: SpanId,
    /// The trace flags as sent.
    pub flags: u8,
}

impl TraceParent {
    /// Parses a `traceparent` value strictly; `None` when it is invalid.
    ///
    /// Version `00` is exactly 55 characters,
    /// `00-{32 hex trace ID}-{16 hex parent ID}-{2 hex flags}`, lowercase
    /// hex, IDs not all zeros. A later version (not `ff`) must start with
    /// those same fields; anything after them must begin with `-`.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        Self::parse_bytes(value.as_bytes())
    }

    /// [`TraceParent::parse`] for a header value.
    #[must_use]
    pub fn from_header_value(value: &HeaderValue) -> Option<Self> {
        Self::parse_bytes(value.as_bytes())
    }

    fn parse_bytes(b: &[u8]) -> Option<Self> {
        if b.len() < 55 {
            return None;
        }
        let [version] = parse_hex::<1>(&b[..2])?;
        match version {
            0xff => return None,
            0x00 if b.len() != 55 => return None,
            // Forward compatibility: later versions may append fields, each
            // after a dash.
            _ if b.len() > 55 && b[55] != b'-' => return None,
            _ => {}
        }
        if b[2] != b'-' || b[35] != b'-' || b[52] != b'-' {
            return None;
        }
        let [flags] = parse_hex::<1>(&b[53..55])?;
        Some(Self {
            version,
            trace_id: TraceId::from_bytes(parse_hex::<16>(&b[3..35])?)?,
            parent_id: SpanId::from_bytes(parse_hex::<8>(&b[36..52])?)?,
            flags,
        })
    }

    /// Whether the caller sampled (recorded) its span.
    #[must_use]
    pub fn sampled(&self) -> bool {
        self.flags & SAMPLED != 0
    }

    /// Whether the caller marked the trace ID random (W3C Level 2's
    /// `random-trace-id` flag).
    #[must_use]
    pub fn random(&self) -> bool {
        self.flags & RANDOM != 0
    }
}
