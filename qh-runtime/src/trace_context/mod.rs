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
//! # Where a request's trace comes from
//!
//! - The `Tracking` layer (and an endpoint without one) keeps the trace of
//!   a valid incoming `traceparent` in the request's context; a request
//!   without one starts its trace the first time something needs it (a log
//!   line through `qh::logs`, an outbound call), see
//!   [`TraceContext::current_or_start`].
//! - With `Tracking::id_from_traceparent(true)`, when no request-ID header
//!   is valid, the request's ID is [`TraceContext::request_id`] (the trace
//!   ID as 32 lowercase hex digits) instead of a generated one.

mod ids;
mod parent;
mod state;

use http::{HeaderMap, HeaderName, HeaderValue};

use ids::push_hex;

pub use ids::{SpanId, TraceId, TraceIds};
pub use parent::TraceParent;
pub use state::TraceState;

use crate::id::RequestId;

/// The `traceparent` header name.
///
/// # Examples
///
/// ```
/// use axum::http::HeaderMap;
/// use qh::trace_context::{TraceParent, TRACEPARENT};
///
/// let mut headers = HeaderMap::new();
/// headers.insert(TRACEPARENT, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
/// let tp = TraceParent::from_header_value(&headers[TRACEPARENT]).unwrap();
/// assert_eq!(tp.parent_id.to_string(), "00f067aa0ba902b7");
/// ```
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
/// The `tracestate` header name.
///
/// # Examples
///
/// ```
/// use axum::http::HeaderMap;
/// use qh::trace_context::{TraceState, TRACESTATE};
///
/// let mut headers = HeaderMap::new();
/// headers.append(TRACESTATE, "rojo=00f067aa0ba902b7".parse().unwrap());
/// headers.append(TRACESTATE, "congo=t61rcWkgMzE".parse().unwrap());
/// let ts = TraceState::from_headers(&headers).unwrap();
/// assert_eq!(ts.as_str(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
/// ```
pub const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// The `sampled` bit of the trace flags: the caller may have recorded its
/// span.
///
/// # Examples
///
/// ```
/// use qh::trace_context::{TraceParent, SAMPLED};
///
/// let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
/// assert_eq!(tp.flags & SAMPLED, SAMPLED);
/// assert!(tp.sampled()); // the same test
/// ```
pub const SAMPLED: u8 = 0x01;

/// The `random-trace-id` bit of the trace flags (W3C Trace Context Level
/// 2): at least the right-most 7 bytes of the trace ID are random. Kept
/// when continuing a trace, set on the traces qh starts.
///
/// # Examples
///
/// ```
/// use qh::trace_context::{TraceContext, RANDOM};
///
/// let started = TraceContext::new_root();
/// assert_eq!(started.flags() & RANDOM, RANDOM);
/// assert!(started.random());
/// ```
pub const RANDOM: u8 = 0x02;

/// The flags qh carries on: the ones Level 2 defines. The other bits are
/// reserved and go out as zero.
const KNOWN_FLAGS: u8 = SAMPLED | RANDOM;

/// The longest `tracestate` kept, in bytes (members joined by `,`): the
/// 512 characters the spec asks vendors to propagate at least. Over it,
/// whole members are dropped (see [`TraceState::parse`]).
///
/// # Examples
///
/// ```
/// use qh::trace_context::{TraceState, MAX_TRACESTATE_LEN};
///
/// // 20 members of 30 bytes: 619 bytes with the commas, over the bound.
/// let long: Vec<String> = (0..20).map(|i| format!("vendor{i:02}=abcdefghijklmnopqrstu")).collect();
/// let ts = TraceState::parse([long.join(",").as_str()]).unwrap();
/// assert!(ts.as_str().len() <= MAX_TRACESTATE_LEN);
/// assert!(ts.as_str().starts_with("vendor00=")); // the left-most are kept
/// ```
pub const MAX_TRACESTATE_LEN: usize = 512;
/// The most `tracestate` list members kept (the spec's maximum); the ones
/// to the right of the 32nd valid member are dropped.
///
/// # Examples
///
/// ```
/// use qh::trace_context::{TraceState, MAX_TRACESTATE_MEMBERS};
///
/// let many: Vec<String> = (0..40).map(|i| format!("v{i}=1")).collect();
/// let ts = TraceState::parse([many.join(",").as_str()]).unwrap();
/// assert_eq!(ts.as_str().split(',').count(), MAX_TRACESTATE_MEMBERS);
/// assert!(ts.as_str().ends_with("v31=1"));
/// ```
pub const MAX_TRACESTATE_MEMBERS: usize = 32;

/// The trace context a request runs with, and that its outbound calls carry.
///
/// ```
/// use axum::http::HeaderMap;
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
    /// A new trace with this service's span as its root, sampled, with the
    /// `random` flag (its trace ID is random, see [`TraceId::random`]).
    ///
    /// Sampled because the request's logs record it; an OpenTelemetry
    /// sampler downstream still makes its own decision for spans.
    #[must_use]
    pub fn new_root() -> Self {
        Self {
            trace_id: TraceId::random(),
            parent_id: None,
            span_id: SpanId::random(),
            flags: SAMPLED | RANDOM,
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
            // `sampled` and `random` go on (Level 2: a trace continued
            // with the same ID keeps its `random` flag, set or unset);
            // other bits are reserved and must go out as zero.
            flags: parent.flags & KNOWN_FLAGS,
            tracestate,
        }
    }

    /// This context with another span as the one outbound calls name as
    /// their parent (an exporter's span, say).
    pub(crate) fn with_span(mut self, trace_id: TraceId, span_id: SpanId) -> Self {
        self.trace_id = trace_id;
        self.span_id = span_id;
        self
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
            sampled: self.sampled(),
        }
    }

    /// The caller's span ID; `None` for a trace started here.
    #[must_use]
    pub fn parent_id(&self) -> Option<SpanId> {
        self.parent_id
    }

    /// The trace flags sent on: [`SAMPLED`] and [`RANDOM`] (the reserved
    /// bits cleared).
    #[must_use]
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// Whether the trace is sampled.
    #[must_use]
    pub fn sampled(&self) -> bool {
        self.flags & SAMPLED != 0
    }

    /// Whether the trace ID is marked random (the `random` flag).
    #[must_use]
    pub fn random(&self) -> bool {
        self.flags & RANDOM != 0
    }

    /// The incoming `tracestate`'s valid members (see [`TraceState`]),
    /// when any came with a valid `traceparent`.
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

#[cfg(test)]
mod tests;
