//! [`TraceState`]: a validated, bounded `tracestate` list (W3C Trace
//! Context Level 2).

use std::fmt;
use std::sync::Arc;

use http::{HeaderMap, HeaderValue};

use super::{MAX_TRACESTATE_LEN, MAX_TRACESTATE_MEMBERS, TRACESTATE};

/// The longest member kept first when the list is over
/// [`MAX_TRACESTATE_LEN`]: longer ones are the first to go.
const LONG_MEMBER: usize = 128;

/// A validated `tracestate`: well-formed `key=value` members with distinct
/// keys, at most [`MAX_TRACESTATE_MEMBERS`] of them and at most
/// [`MAX_TRACESTATE_LEN`] bytes once normalised (members joined by `,`,
/// blanks around them removed).
///
/// Parsing follows W3C Trace Context Level 2. A key is a lowercase letter
/// or a digit, then up to 255 of `a-z 0-9 _ - * / @` (so `congo`,
/// `1rojo`, `fw529a3039@dt` and `vendor@` are keys; `@dt` and `Rojo` are
/// not); a value is 1 to 256 printable ASCII characters other than `,` and
/// `=`, not ending in a space. A member that breaks these rules, or repeats
/// a key already seen, is dropped alone: the other vendors' members are
/// kept, in their order.
///
/// ```
/// use qh::trace_context::TraceState;
///
/// let ts = TraceState::parse(["rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"]).unwrap();
/// assert_eq!(ts.as_str(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
///
/// // A bad member (an uppercase key) and a repeated key go; the rest stays.
/// let ts = TraceState::parse(["Rojo=1,congo=2,tenant@dt=3,congo=4"]).unwrap();
/// assert_eq!(ts.as_str(), "congo=2,tenant@dt=3");
/// assert!(TraceState::parse(["Rojo=1"]).is_none()); // nothing left
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TraceState(Arc<str>);

impl TraceState {
    /// Parses the values of one or more `tracestate` header lines (they
    /// combine as one comma-separated list, RFC 9110 §5.3); `None` when no
    /// valid member is left.
    ///
    /// Malformed members and repeated keys are dropped one by one (the
    /// first occurrence of a key is kept: vendors move the entry they
    /// update to the left). Over the bounds, whole members are dropped, as
    /// Level 2 asks of a vendor that truncates: beyond
    /// [`MAX_TRACESTATE_MEMBERS`], the right-most; over
    /// [`MAX_TRACESTATE_LEN`] bytes, members longer than 128 characters
    /// first (right-most first), then from the right.
    #[must_use]
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        Self::parse_lines(values.into_iter().map(str::as_bytes))
    }

    /// Parses every `tracestate` line of `headers` as [`TraceState::parse`]
    /// does; a member with bytes that are not visible ASCII is malformed
    /// (dropped alone).
    #[must_use]
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        Self::parse_lines(
            headers
                .get_all(TRACESTATE)
                .iter()
                .map(HeaderValue::as_bytes),
        )
    }

    fn parse_lines<'a>(lines: impl Iterator<Item = &'a [u8]>) -> Option<Self> {
        // (key, member) pairs, in order.
        let mut kept: Vec<(&[u8], &[u8])> = Vec::new();
        'lines: for line in lines {
            for member in line.split(|&c| c == b',') {
                let member = trim_ows(member);
                // Empty members are allowed (and mean nothing).
                let Some(eq) = member.iter().position(|&c| c == b'=') else {
                    continue;
                };
                let (key, value) = (&member[..eq], &member[eq + 1..]);
                if !valid_key(key) || !valid_value(value) {
                    continue;
                }
                // A repeated key: the left-most is the vendor's latest.
                if kept.iter().any(|(k, _)| *k == key) {
                    continue;
                }
                kept.push((key, member));
                if kept.len() == MAX_TRACESTATE_MEMBERS {
                    // Members beyond the 32nd would be dropped anyway: a
                    // list over the count loses its right-most members,
                    // the ones added furthest away.
                    break 'lines;
                }
            }
        }
        // Over the length bound, whole members go, in the order the spec
        // gives for truncation: members over 128 characters first (they
        // cost most, and a short vendor entry is likelier to be read), the
        // right-most of them first; then members from the right.
        let mut len = joined_len(&kept);
        while len > MAX_TRACESTATE_LEN {
            let at = kept
                .iter()
                .rposition(|(_, m)| m.len() > LONG_MEMBER)
                .unwrap_or(kept.len() - 1);
            kept.remove(at);
            len = joined_len(&kept);
        }
        if kept.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(len);
        for (i, (_, member)) in kept.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // Kept members are ASCII (checked above).
            out.push_str(std::str::from_utf8(member).unwrap_or_default());
        }
        Some(Self(out.into()))
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

/// The members' length joined by `,`.
fn joined_len(members: &[(&[u8], &[u8])]) -> usize {
    members.iter().map(|(_, m)| m.len()).sum::<usize>() + members.len().saturating_sub(1)
}

/// `member` without the spaces and tabs around it (`OWS`).
fn trim_ows(member: &[u8]) -> &[u8] {
    let blank = |c: &u8| *c == b' ' || *c == b'\t';
    let start = member
        .iter()
        .position(|c| !blank(c))
        .unwrap_or(member.len());
    let end = member
        .iter()
        .rposition(|c| !blank(c))
        .map_or(start, |i| i + 1);
    &member[start..end]
}

/// Level 2's key: `( lcalpha / DIGIT ) 0*255( keychar )`, `keychar` being
/// `lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"`. (Level 1's separate
/// `tenant@system` form, with its 241 and 14 character parts, is gone:
/// `@` is a key character like the others, anywhere but first.)
fn valid_key(key: &[u8]) -> bool {
    let Some((&first, rest)) = key.split_first() else {
        return false;
    };
    key.len() <= 256
        && (first.is_ascii_lowercase() || first.is_ascii_digit())
        && rest.iter().all(|&c| {
            c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || matches!(c, b'_' | b'-' | b'*' | b'/' | b'@')
        })
}

/// 1–256 printable ASCII characters other than `,` and `=`, not ending in a
/// space; leading spaces belong to the value.
fn valid_value(value: &[u8]) -> bool {
    (1..=256).contains(&value.len())
        && value
            .iter()
            .all(|&c| matches!(c, 0x20..=0x7e) && c != b',' && c != b'=')
        && value.last() != Some(&b' ')
}
