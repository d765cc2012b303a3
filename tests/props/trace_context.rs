//! `traceparent` parsing, and a request's trace taken from its headers.

use axum::http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use qh::trace_context::{TraceContext, TraceParent};

use crate::tracestate::{reference as tracestate_reference, tracestate_lines};

fn is_lower_hex(b: &[u8]) -> bool {
    b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// What a valid `traceparent` says: (version, trace ID, parent ID, flags),
/// each as its hex text.
#[derive(Debug, PartialEq)]
struct Parsed {
    version: String,
    trace_id: String,
    parent_id: String,
    flags: String,
}

/// W3C Trace Context §3.2 as qh documents it: `vv-{32}-{16}-ff` in
/// lowercase hex, IDs not all zero, version `ff` never; version `00` is
/// exactly 55 bytes, a later version may go on after a `-`.
fn reference(b: &[u8]) -> Option<Parsed> {
    let field = |from: usize, to: usize| std::str::from_utf8(b.get(from..to)?).ok();
    let (version, trace_id, parent_id, flags) =
        (field(0, 2)?, field(3, 35)?, field(36, 52)?, field(53, 55)?);
    let dashes = [2, 35, 52].iter().all(|&i| b[i] == b'-');
    let all_hex = [version, trace_id, parent_id, flags]
        .iter()
        .all(|f| is_lower_hex(f.as_bytes()));
    let ids_set = trace_id.bytes().any(|c| c != b'0') && parent_id.bytes().any(|c| c != b'0');
    let length_ok = match version {
        "00" => b.len() == 55,
        _ => b.len() == 55 || b[55] == b'-',
    };
    (dashes && all_hex && ids_set && length_ok && version != "ff").then(|| Parsed {
        version: version.to_owned(),
        trace_id: trace_id.to_owned(),
        parent_id: parent_id.to_owned(),
        flags: flags.to_owned(),
    })
}

fn hex(len: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec(prop::sample::select(b"0123456789abcdef".to_vec()), len)
            .prop_map(|v| String::from_utf8(v).unwrap()),
        1 => Just("0".repeat(len)),
        1 => prop::collection::vec(prop::sample::select(b"0123456789abcdefABCDEFxg-".to_vec()), len)
            .prop_map(|v| String::from_utf8(v).unwrap()),
    ]
}

/// `traceparent`-like values: well-formed ones, with a later version and a
/// tail, and with one byte changed, one cut or one added.
pub fn traceparent() -> impl Strategy<Value = Vec<u8>> {
    let version = prop_oneof![
        6 => Just("00".to_owned()),
        1 => Just("ff".to_owned()),
        2 => hex(2),
    ];
    let tail = prop_oneof![
        6 => Just(String::new()),
        1 => Just("-extra".to_owned()),
        1 => "[-a-z0-9]{0,6}",
    ];
    let sep = prop_oneof![20 => Just('-'), 1 => Just('_')];
    let well_formed = (version, hex(32), hex(16), hex(2), tail, sep)
        .prop_map(|(v, t, p, f, tail, sep)| format!("{v}{sep}{t}-{p}-{f}{tail}").into_bytes());
    (
        well_formed,
        0usize..4,
        any::<prop::sample::Index>(),
        any::<u8>(),
    )
        .prop_map(|(mut b, how, at, byte)| {
            let i = at.index(b.len() + 1);
            match how {
                1 if i < b.len() => b[i] = byte,
                2 => b.truncate(i),
                3 => b.insert(i, byte),
                _ => {}
            }
            b
        })
}

proptest! {
    #[test]
    fn trace_context_traceparent_is_the_documented_language(b in traceparent()) {
        let expected = reference(&b);
        // Text through `parse`, any header value (a later version's tail
        // may hold obs-text) through `from_header_value`.
        let mut parsed = Vec::new();
        if let Ok(text) = std::str::from_utf8(&b) {
            parsed.push(TraceParent::parse(text));
        }
        if let Ok(value) = HeaderValue::from_bytes(&b) {
            parsed.push(TraceParent::from_header_value(&value));
        }
        for tp in parsed {
            prop_assert_eq!(tp.is_some(), expected.is_some(), "{:?}", String::from_utf8_lossy(&b));
            let (Some(tp), Some(want)) = (tp, &expected) else { continue };
            prop_assert_eq!(&format!("{:02x}", tp.version), &want.version);
            prop_assert_eq!(&tp.trace_id.to_string(), &want.trace_id);
            prop_assert_eq!(&tp.parent_id.to_string(), &want.parent_id);
            prop_assert_eq!(&format!("{:02x}", tp.flags), &want.flags);
        }
    }

    #[test]
    fn trace_context_from_headers_continues_one_valid_traceparent(
        parents in prop::collection::vec(traceparent(), 0..=2),
        states in tracestate_lines(),
    ) {
        let mut headers = HeaderMap::new();
        for value in parents.iter().filter_map(|b| HeaderValue::from_bytes(b).ok()) {
            headers.append("traceparent", value);
        }
        for value in states.iter().filter_map(|s| HeaderValue::from_str(s).ok()) {
            headers.append("tracestate", value);
        }
        let lines: Vec<&[u8]> = headers.get_all("traceparent").iter().map(HeaderValue::as_bytes).collect();
        let state_lines: Vec<&[u8]> = headers.get_all("tracestate").iter().map(HeaderValue::as_bytes).collect();
        let expected = match lines[..] {
            [one] => reference(one),
            _ => None,
        };
        let tc = TraceContext::from_headers(&headers);
        prop_assert_eq!(tc.is_some(), expected.is_some());
        if let (Some(tc), Some(want)) = (tc, expected) {
            prop_assert_eq!(&tc.trace_id().to_string(), &want.trace_id);
            prop_assert_eq!(tc.parent_id().map(|p| p.to_string()), Some(want.parent_id));
            // The two flags Level 2 defines go on, `sampled` (0x01) and
            // `random` (0x02), the reserved bits cleared; this service's
            // span is new.
            let flags = u8::from_str_radix(&want.flags, 16).unwrap() & 0x03;
            prop_assert_eq!(tc.flags(), flags);
            prop_assert_eq!(tc.sampled(), flags & 0x01 != 0);
            prop_assert_eq!(tc.random(), flags & 0x02 != 0);
            let out = tc.traceparent();
            prop_assert_eq!(
                out.to_str().unwrap(),
                format!("00-{}-{}-{:02x}", want.trace_id, tc.span_id(), flags)
            );
            prop_assert_eq!(tc.request_id().to_string(), want.trace_id);
            let state = tc.tracestate().map(|s| s.as_str().to_owned());
            prop_assert_eq!(state, tracestate_reference(&state_lines));
        }
    }
}
