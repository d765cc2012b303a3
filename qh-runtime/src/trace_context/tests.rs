use super::*;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";
const SPEC: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

#[test]
fn spec_examples_parse() {
    let tp = TraceParent::parse(SPEC).unwrap();
    assert_eq!(tp.version, 0);
    assert_eq!(tp.trace_id.to_string(), TRACE);
    assert_eq!(tp.parent_id.to_string(), PARENT);
    assert_eq!(tp.flags, 1);
    assert!(tp.sampled());

    let unsampled = TraceParent::parse(&format!("00-{TRACE}-{PARENT}-00")).unwrap();
    assert!(!unsampled.sampled());
}

#[test]
fn version_00_must_be_exactly_55_characters() {
    assert!(TraceParent::parse(&SPEC[..54]).is_none());
    assert!(TraceParent::parse(&format!("{SPEC}-")).is_none());
    assert!(TraceParent::parse(&format!("{SPEC}-extra")).is_none());
    assert!(TraceParent::parse(&format!("{SPEC} ")).is_none());
    assert!(TraceParent::parse(&format!(" {SPEC}")).is_none());
    assert!(TraceParent::parse("").is_none());
}

#[test]
fn hex_must_be_lowercase() {
    for bad in [
        format!("00-{}-{PARENT}-01", TRACE.to_uppercase()),
        format!("00-{TRACE}-{}-01", "00F067AA0BA902B7"),
        format!("00-{TRACE}-{PARENT}-0A"),
        format!("0A-{TRACE}-{PARENT}-01"),
    ] {
        assert!(TraceParent::parse(&bad).is_none(), "{bad}");
    }
}

#[test]
fn non_hex_characters_are_refused() {
    for bad in [
        format!("00-4bf92f3577b34da6a3ce929d0e0e473g-{PARENT}-01"),
        format!("00-{TRACE}-00f067aa0ba902bz-01"),
        format!("00-{TRACE}-{PARENT}-0x"),
        format!("0x-{TRACE}-{PARENT}-01"),
        format!("00-{TRACE}-{PARENT}-+1"),
        format!("00-+bf92f3577b34da6a3ce929d0e0e4736-{PARENT}-01"),
    ] {
        assert!(TraceParent::parse(&bad).is_none(), "{bad}");
    }
}

#[test]
fn all_zero_ids_are_refused() {
    let zero_trace = format!("00-{}-{PARENT}-01", "0".repeat(32));
    let zero_parent = format!("00-{TRACE}-{}-01", "0".repeat(16));
    assert!(TraceParent::parse(&zero_trace).is_none());
    assert!(TraceParent::parse(&zero_parent).is_none());
}

#[test]
fn separators_must_be_dashes_in_place() {
    for bad in [
        format!("00_{TRACE}-{PARENT}-01"),
        format!("00-{TRACE}_{PARENT}-01"),
        format!("00-{TRACE}-{PARENT}_01"),
        // Right length, fields shifted.
        format!("00-{}-{PARENT}0-01", &TRACE[..31]),
    ] {
        assert_eq!(bad.len(), 55, "{bad}");
        assert!(TraceParent::parse(&bad).is_none(), "{bad}");
    }
}

#[test]
fn version_ff_is_invalid() {
    assert!(TraceParent::parse(&format!("ff-{TRACE}-{PARENT}-01")).is_none());
}

#[test]
fn future_versions_parse_forward_compatibly() {
    let exact = TraceParent::parse(&format!("cc-{TRACE}-{PARENT}-01")).unwrap();
    assert_eq!(exact.version, 0xcc);
    assert_eq!(exact.trace_id.to_string(), TRACE);

    let longer =
        TraceParent::parse(&format!("cc-{TRACE}-{PARENT}-01-what-the-future-holds")).unwrap();
    assert_eq!(longer.parent_id.to_string(), PARENT);

    // Extra data must follow a dash; the 00 fields still apply.
    assert!(TraceParent::parse(&format!("cc-{TRACE}-{PARENT}-01.x")).is_none());
    assert!(TraceParent::parse(&format!("cc-{TRACE}-{PARENT}-1")).is_none());
    assert!(TraceParent::parse(&format!("cc-{}-{PARENT}-01-x", "0".repeat(32))).is_none());
}

#[test]
fn continuing_a_trace_keeps_its_id_and_starts_our_span() {
    let h = headers(&[
        ("traceparent", SPEC),
        ("tracestate", "rojo=00f067aa0ba902b7"),
    ]);
    let tc = TraceContext::from_headers(&h).unwrap();
    assert_eq!(tc.trace_id().to_string(), TRACE);
    assert_eq!(tc.parent_id().unwrap().to_string(), PARENT);
    assert_ne!(tc.span_id().to_string(), PARENT);
    assert!(tc.sampled());
    assert_eq!(
        tc.traceparent().to_str().unwrap(),
        format!("00-{TRACE}-{}-01", tc.span_id())
    );
    // Outbound always parses back.
    let out = TraceParent::from_header_value(&tc.traceparent()).unwrap();
    assert_eq!(out.parent_id, tc.span_id());
}

#[test]
fn future_versions_go_out_as_00_with_reserved_flags_cleared() {
    let h = headers(&[("traceparent", &format!("01-{TRACE}-{PARENT}-ff-more"))]);
    let tc = TraceContext::from_headers(&h).unwrap();
    assert_eq!(tc.flags(), SAMPLED);
    assert!(tc.traceparent().to_str().unwrap().starts_with("00-"));
    assert!(tc.traceparent().to_str().unwrap().ends_with("-01"));
}

#[test]
fn invalid_or_repeated_traceparent_starts_a_new_trace_and_drops_tracestate() {
    for h in [
        headers(&[("traceparent", "00-xyz"), ("tracestate", "rojo=1")]),
        headers(&[
            ("traceparent", SPEC),
            ("traceparent", SPEC),
            ("tracestate", "a=1"),
        ]),
        headers(&[("tracestate", "rojo=1")]),
    ] {
        assert!(TraceContext::from_headers(&h).is_none(), "{h:?}");
        let fresh = TraceContext::from_headers_or_new(&h);
        assert_ne!(fresh.trace_id().to_string(), TRACE);
        assert!(fresh.parent_id().is_none());
        assert!(fresh.tracestate().is_none());
        let mut out = h.clone();
        fresh.write_headers(&mut out);
        assert!(out.get(TRACESTATE).is_none(), "never echoed: {out:?}");
        assert_eq!(out.get_all(TRACEPARENT).iter().count(), 1);
    }
}

#[test]
fn new_ids_are_random_valid_and_nonzero() {
    let a = TraceContext::new_root();
    let b = TraceContext::new_root();
    assert_ne!(a.trace_id(), b.trace_id());
    assert_ne!(a.span_id(), b.span_id());
    for tc in [&a, &b] {
        let tp = TraceParent::from_header_value(&tc.traceparent()).unwrap();
        assert_eq!(tp.trace_id, tc.trace_id());
        assert_eq!(tp.parent_id, tc.span_id());
        assert!(tc.sampled());
    }
}

#[test]
fn the_trace_id_is_a_valid_request_id() {
    let tc = TraceContext::new_root();
    let id = tc.request_id();
    assert_eq!(id.as_str(), tc.trace_id().to_string());
    assert_eq!(id.len(), 32);
    assert!(RequestId::new(id.as_str()).is_ok());
    assert!(id
        .as_str()
        .bytes()
        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
}

#[test]
fn tracestate_is_normalised_across_lines() {
    let h = headers(&[
        ("traceparent", SPEC),
        ("tracestate", "rojo=00f067aa0ba902b7 ,, "),
        ("tracestate", "\tcongo=t61rcWkgMzE,vendor@sys=a b"),
    ]);
    let tc = TraceContext::from_headers(&h).unwrap();
    assert_eq!(
        tc.tracestate().unwrap().as_str(),
        "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,vendor@sys=a b"
    );
    let mut out = HeaderMap::new();
    tc.write_headers(&mut out);
    assert_eq!(out[TRACESTATE], tc.tracestate().unwrap().as_str());
}

#[test]
fn malformed_tracestate_is_dropped_whole() {
    for bad in [
        "Rojo=1",              // uppercase key
        "1abc=1",              // simple keys start with a letter
        "rojo",                // no `=`
        "rojo=",               // empty value
        "rojo=a,rojo=b",       // duplicate key
        "rojo=a=b",            // `=` in value
        "a@=1",                // empty system
        "@b=1",                // empty tenant
        "a@bcdefghijklmnop=1", // system over 14 chars
        "ro jo=1",             // space in key
    ] {
        assert!(TraceState::parse([bad]).is_none(), "{bad}");
    }
    // Blanks around a member are not part of its value.
    assert_eq!(
        TraceState::parse(["rojo=a b "]).unwrap().as_str(),
        "rojo=a b"
    );
    assert!(TraceState::parse(["", " , "]).is_none());
    // Non-ASCII header bytes invalidate the state.
    let mut h = headers(&[("traceparent", SPEC)]);
    h.insert(TRACESTATE, HeaderValue::from_bytes(b"a=\xff").unwrap());
    assert!(TraceContext::from_headers(&h)
        .unwrap()
        .tracestate()
        .is_none());
}

#[test]
fn tracestate_bounds() {
    let members = |n: usize| {
        (0..n)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join(",")
    };
    assert!(TraceState::parse([members(32).as_str()]).is_some());
    assert!(TraceState::parse([members(33).as_str()]).is_none());

    let value = "x".repeat(256);
    let long = format!("a={value},b={value}");
    assert!(long.len() > MAX_TRACESTATE_LEN);
    assert!(TraceState::parse([long.as_str()]).is_none());
    let fits = format!("a={},b={}", "x".repeat(254), "x".repeat(253));
    assert_eq!(fits.len(), MAX_TRACESTATE_LEN);
    assert!(TraceState::parse([fits.as_str()]).is_some());
    assert!(TraceState::parse([format!("{fits}x").as_str()]).is_none());
    // A value over 256 characters is malformed.
    assert!(TraceState::parse([format!("a={}", "x".repeat(257)).as_str()]).is_none());
}

#[test]
fn ids_round_trip_through_bytes_and_hex() {
    let t = TraceId::from_hex(TRACE).unwrap();
    assert_eq!(TraceId::from_bytes(t.to_bytes()), Some(t));
    assert_eq!(format!("{t:?}"), format!("TraceId({TRACE})"));
    assert_eq!(TraceId::from_bytes([0; 16]), None);
    assert_eq!(SpanId::from_hex("0000000000000000"), None);
    assert_eq!(SpanId::from_hex("00f067aa0ba902b"), None);
    assert_eq!(SpanId::from_hex(PARENT).unwrap().to_string(), PARENT);
}

#[tokio::test]
async fn current_reads_the_context_store() {
    assert_eq!(TraceContext::current(), None);
    let tc = TraceContext::new_root();
    let seen = crate::context::Context::new(RequestId::from_static("r"))
        .scope(async {
            crate::context::insert(tc.clone());
            TraceContext::current()
        })
        .await;
    assert_eq!(seen, Some(tc));
}
