//! W3C Trace Context: the `traceparent` and `tracestate` headers.
//!
//! [`TraceParent`] is one strictly parsed `traceparent` value;
//! [`TraceContext`] is what a request runs with: the trace it belongs to
//! (continued from a valid incoming `traceparent`, or new), this service's
//! own span ID (the parent of everything it calls), the flags and the
//! incoming `tracestate`.
//!
//! An invalid `traceparent` is never used, logged or echoed: the request
//! starts a new trace, and its `tracestate` is dropped with it.
//!
//! # Integration points (for the `Tracking` layer)
//!
//! - Per request, the layer resolves `TraceContext::from_headers_or_new(headers)`
//!   once and stores it with [`context::insert`](crate::context::insert)
//!   (or calls [`propagation::enter_request`](crate::propagation::enter_request),
//!   which does exactly that), so [`TraceContext::current`], `qh::logs` and
//!   [`propagation::headers`](crate::propagation::headers) find it.
//! - `Tracking::id_from_traceparent(true)`: when no request-ID header is
//!   valid and [`TraceContext::from_headers`] is `Some`, the request's ID is
//!   [`TraceContext::request_id`] (the trace ID as 32 lowercase hex digits)
//!   instead of a generated one.

use std::fmt;
use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::RequestId;

/// The `traceparent` header name.
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
/// The `tracestate` header name.
pub const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// The `sampled` bit of the trace flags, the only flag version `00` defines.
pub const SAMPLED: u8 = 0x01;

/// The longest `tracestate` kept, in bytes (members joined by `,`); a longer
/// one is dropped whole.
pub const MAX_TRACESTATE_LEN: usize = 512;
/// The most `tracestate` list members kept; more and it is dropped whole.
pub const MAX_TRACESTATE_MEMBERS: usize = 32;

/// A 16-byte trace ID, never all zeros. Displays as 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId([u8; 16]);

/// An 8-byte span (parent) ID, never all zeros. Displays as 16 lowercase
/// hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpanId([u8; 8]);

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
            fn write_hex(&self, out: &mut Vec<u8>) {
                push_hex(out, &self.0);
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // On the stack: log lines format IDs on every event.
                let mut buf = [0u8; $n * 2];
                for (pair, b) in buf.chunks_exact_mut(2).zip(self.0) {
                    pair[0] = HEX[usize::from(b >> 4)];
                    pair[1] = HEX[usize::from(b & 0xf)];
                }
                // Hex digits are ASCII.
                f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
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
}

/// A validated `tracestate`: at most [`MAX_TRACESTATE_MEMBERS`] well-formed
/// `key=value` members, no duplicate keys, at most [`MAX_TRACESTATE_LEN`]
/// bytes once normalised (members joined by `,`, blanks removed).
///
/// ```
/// use qh::trace_context::TraceState;
///
/// let ts = TraceState::parse(["rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"]).unwrap();
/// assert_eq!(ts.as_str(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
/// assert!(TraceState::parse(["Rojo=1"]).is_none()); // keys are lowercase
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TraceState(Arc<str>);

impl TraceState {
    /// Parses the values of one or more `tracestate` header lines (they
    /// combine as one comma-separated list); `None` when the list is empty,
    /// malformed or over the bounds: the whole state is then dropped.
    #[must_use]
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let mut out = String::new();
        let mut keys: Vec<&str> = Vec::new();
        for value in values {
            for member in value.split(',') {
                let member = member.trim_matches([' ', '\t']);
                if member.is_empty() {
                    continue;
                }
                let (key, val) = member.split_once('=')?;
                if !valid_key(key) || !valid_value(val) || keys.contains(&key) {
                    return None;
                }
                keys.push(key);
                if keys.len() > MAX_TRACESTATE_MEMBERS {
                    return None;
                }
                if !out.is_empty() {
                    out.push(',');
                }
                out.push_str(member);
                if out.len() > MAX_TRACESTATE_LEN {
                    return None;
                }
            }
        }
        (!out.is_empty()).then(|| Self(out.into()))
    }

    /// Parses every `tracestate` line of `headers`; lines that are not
    /// visible ASCII make the whole state invalid.
    #[must_use]
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let mut lines = Vec::new();
        for value in headers.get_all(TRACESTATE) {
            lines.push(value.to_str().ok()?);
        }
        Self::parse(lines)
    }

    /// The normalised list, as sent on outbound calls.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TraceState").field(&&*self.0).finish()
    }
}

/// `simple-key` or `tenant-id@system-id`, lowercase (W3C Trace Context §3.3.1.3.1).
fn valid_key(key: &str) -> bool {
    let rest_ok = |s: &[u8]| {
        s.iter()
            .all(|&c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'*' | b'/'))
    };
    match key.split_once('@') {
        None => {
            let k = key.as_bytes();
            (1..=256).contains(&k.len()) && k[0].is_ascii_lowercase() && rest_ok(&k[1..])
        }
        Some((tenant, system)) => {
            let (t, s) = (tenant.as_bytes(), system.as_bytes());
            (1..=241).contains(&t.len())
                && matches!(t[0], b'a'..=b'z' | b'0'..=b'9')
                && rest_ok(&t[1..])
                && (1..=14).contains(&s.len())
                && s[0].is_ascii_lowercase()
                && rest_ok(&s[1..])
        }
    }
}

/// 1–256 printable ASCII characters other than `,` and `=`, not ending in a
/// space (§3.3.1.3.2).
fn valid_value(value: &str) -> bool {
    let v = value.as_bytes();
    (1..=256).contains(&v.len())
        && v.iter()
            .all(|&c| matches!(c, 0x20..=0x7e) && c != b',' && c != b'=')
        && v[v.len() - 1] != b' '
}

/// The IDs a log line carries: the trace, and the span the event belongs
/// to (this service's span; with OpenTelemetry on, the current exported span).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceIds {
    /// The trace ID.
    pub trace_id: TraceId,
    /// The span ID.
    pub span_id: SpanId,
}

/// The trace context a request runs with, and that its outbound calls carry.
///
/// ```
/// use qh::http::HeaderMap;
/// use qh::trace_context::TraceContext;
///
/// let mut incoming = HeaderMap::new();
/// incoming.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
/// incoming.insert("tracestate", "rojo=00f067aa0ba902b7".parse().unwrap());
///
/// let tc = TraceContext::from_headers_or_new(&incoming);
/// assert_eq!(tc.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
/// assert_eq!(tc.parent_id().unwrap().to_string(), "00f067aa0ba902b7");
/// // Outbound, this service's own span is the parent.
/// let out = tc.traceparent();
/// assert_eq!(out.to_str().unwrap(), format!("00-4bf92f3577b34da6a3ce929d0e0e4736-{}-01", tc.span_id()));
/// assert_eq!(tc.tracestate().unwrap().as_str(), "rojo=00f067aa0ba902b7");
///
/// // No (valid) traceparent: a new trace, the tracestate dropped.
/// incoming.insert("traceparent", "garbage".parse().unwrap());
/// let fresh = TraceContext::from_headers_or_new(&incoming);
/// assert_ne!(fresh.trace_id(), tc.trace_id());
/// assert!(fresh.parent_id().is_none() && fresh.tracestate().is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: TraceId,
    parent_id: Option<SpanId>,
    span_id: SpanId,
    flags: u8,
    tracestate: Option<TraceState>,
}

impl TraceContext {
    /// A new trace with this service's span as its root, sampled.
    ///
    /// Sampled because the request's logs record it; an OpenTelemetry
    /// sampler downstream still makes its own decision for spans.
    #[must_use]
    pub fn new_root() -> Self {
        Self {
            trace_id: TraceId::random(),
            parent_id: None,
            span_id: SpanId::random(),
            flags: SAMPLED,
            tracestate: None,
        }
    }

    /// Continues the trace of a valid incoming `traceparent` (exactly one
    /// header line) with a new span of this service; `None` when there is
    /// no valid one.
    #[must_use]
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let mut lines = headers.get_all(TRACEPARENT).iter();
        let parent = TraceParent::from_header_value(lines.next()?)?;
        if lines.next().is_some() {
            // Two traceparents: which one is the caller's is unknowable.
            return None;
        }
        Some(Self::child_of(&parent, TraceState::from_headers(headers)))
    }

    /// [`TraceContext::from_headers`], or a new trace.
    #[must_use]
    pub fn from_headers_or_new(headers: &HeaderMap) -> Self {
        Self::from_headers(headers).unwrap_or_else(Self::new_root)
    }

    /// A new span of this service under `parent`.
    #[must_use]
    pub fn child_of(parent: &TraceParent, tracestate: Option<TraceState>) -> Self {
        Self {
            trace_id: parent.trace_id,
            parent_id: Some(parent.parent_id),
            span_id: SpanId::random(),
            // Only `sampled` is defined for version 00; other bits are
            // reserved and must go out as zero.
            flags: parent.flags & SAMPLED,
            tracestate,
        }
    }

    /// The trace context stored in the current request's context, if any.
    #[must_use]
    pub fn current() -> Option<Self> {
        crate::context::get::<Self>()
    }

    /// The trace ID.
    #[must_use]
    pub fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// This service's span ID: the parent ID of outbound calls.
    #[must_use]
    pub fn span_id(&self) -> SpanId {
        self.span_id
    }

    /// The trace ID with this service's span ID.
    #[must_use]
    pub fn ids(&self) -> TraceIds {
        TraceIds {
            trace_id: self.trace_id,
            span_id: self.span_id,
        }
    }

    /// The caller's span ID; `None` for a trace started here.
    #[must_use]
    pub fn parent_id(&self) -> Option<SpanId> {
        self.parent_id
    }

    /// The trace flags sent on (only `sampled` kept).
    #[must_use]
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// Whether the trace is sampled.
    #[must_use]
    pub fn sampled(&self) -> bool {
        self.flags & SAMPLED != 0
    }

    /// The incoming `tracestate`, when it was valid and came with a valid
    /// `traceparent`.
    #[must_use]
    pub fn tracestate(&self) -> Option<&TraceState> {
        self.tracestate.as_ref()
    }

    /// The outbound `traceparent`:
    /// `00-{trace ID}-{this service's span ID}-{flags}`.
    #[must_use]
    pub fn traceparent(&self) -> HeaderValue {
        let mut buf = Vec::with_capacity(55);
        buf.extend_from_slice(b"00-");
        self.trace_id.write_hex(&mut buf);
        buf.push(b'-');
        self.span_id.write_hex(&mut buf);
        buf.push(b'-');
        push_hex(&mut buf, &[self.flags]);
        HeaderValue::from_maybe_shared(bytes::Bytes::from(buf))
            .unwrap_or_else(|_| unreachable!("hex digits and dashes are a valid header value"))
    }

    /// Adds `traceparent` (and `tracestate` when present) for an outbound
    /// call, replacing any already in `headers`.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        headers.insert(TRACEPARENT, self.traceparent());
        match self
            .tracestate
            .as_ref()
            .and_then(|ts| HeaderValue::from_str(ts.as_str()).ok())
        {
            Some(ts) => {
                headers.insert(TRACESTATE, ts);
            }
            None => {
                headers.remove(TRACESTATE);
            }
        }
    }

    /// The trace ID as a request ID (32 lowercase hex digits), for
    /// `Tracking::id_from_traceparent`.
    ///
    /// ```
    /// use qh::trace_context::{TraceContext, TraceParent};
    ///
    /// let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
    /// let id = TraceContext::child_of(&tp, None).request_id();
    /// assert_eq!(id, "4bf92f3577b34da6a3ce929d0e0e4736");
    /// ```
    #[must_use]
    pub fn request_id(&self) -> RequestId {
        let mut buf = Vec::with_capacity(32);
        self.trace_id.write_hex(&mut buf);
        RequestId::from_accepted(&buf)
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0xf)]);
    }
}

/// `N` bytes from exactly `2N` lowercase hex digits.
fn parse_hex<const N: usize>(hex: &[u8]) -> Option<[u8; N]> {
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

#[cfg(test)]
#[path = "trace_context_tests.rs"]
mod tests;
