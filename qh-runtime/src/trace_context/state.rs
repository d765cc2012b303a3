//! [`TraceState`]: a validated, bounded `tracestate` list.

use std::fmt;
use std::sync::Arc;

use http::HeaderMap;

use super::{MAX_TRACESTATE_LEN, MAX_TRACESTATE_MEMBERS, TRACESTATE};

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
