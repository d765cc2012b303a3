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
    assert_eq!(tc.flags(), SAMPLED | RANDOM);
    assert!(tc.traceparent().to_str().unwrap().starts_with("00-"));
    assert!(tc.traceparent().to_str().unwrap().ends_with("-03"));
}

#[test]
fn the_random_flag_is_carried_as_it_came() {
    // Level 2: set in, set out; unset in, unset out (whatever `sampled` is).
    for (flags, out) in [
        ("02", "02"),
        ("03", "03"),
        ("01", "01"),
        ("00", "00"),
        ("fe", "02"),
    ] {
        let h = headers(&[("traceparent", &format!("00-{TRACE}-{PARENT}-{flags}"))]);
        let tc = TraceContext::from_headers(&h).unwrap();
        let tp = tc.traceparent();
        let tp = tp.to_str().unwrap();
        assert!(tp.ends_with(&format!("-{out}")), "{flags}: {tp}");
        assert_eq!(tc.random(), out == "02" || out == "03", "{flags}");
        assert_eq!(TraceParent::parse(tp).unwrap().random(), tc.random());
    }
}

#[test]
fn traces_started_here_are_marked_random() {
    let tc = TraceContext::new_root();
    assert!(tc.random() && tc.sampled());
    assert!(tc.traceparent().to_str().unwrap().ends_with("-03"));
    // The right-most 7 bytes of the ID are what the flag promises random:
    // across a few IDs they are never all the same.
    let tails: std::collections::HashSet<_> = (0..8)
        .map(|_| TraceId::random().to_bytes()[9..].to_vec())
        .collect();
    assert_eq!(tails.len(), 8);
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
fn a_malformed_member_alone_leaves_nothing() {
    for bad in [
        "Rojo=1",    // uppercase key
        "_abc=1",    // keys start with a letter or a digit
        "@b=1",      // … not with `@`
        "rojo",      // no `=`
        "rojo=",     // empty value
        "=1",        // empty key
        "rojo=a=b",  // `=` in value
        "ro jo=1",   // space in key
        "foo.bar=1", // `.` is no key character
        "foo=a\tb",  // a tab inside a value
    ] {
        assert!(TraceState::parse([bad]).is_none(), "{bad}");
    }
    // Blanks around a member are not part of its value; leading spaces of
    // a value are.
    assert_eq!(
        TraceState::parse(["rojo=a b "]).unwrap().as_str(),
        "rojo=a b"
    );
    assert_eq!(
        TraceState::parse(["\t rojo=  x \t"]).unwrap().as_str(),
        "rojo=  x"
    );
    assert!(TraceState::parse(["", " , ", ",,\t,"]).is_none());
}

#[test]
fn malformed_members_are_dropped_alone() {
    let parse =
        |lines: &[&str]| TraceState::parse(lines.iter().copied()).map(|s| s.as_str().to_owned());
    assert_eq!(
        parse(&["Rojo=1,congo=2,foo=,bar=3,@foo=4,baz=5=6,ok=7"]).as_deref(),
        Some("congo=2,bar=3,ok=7")
    );
    // Across lines, the lines combine first.
    assert_eq!(
        parse(&["a=1, BAD=2", "b=2", "c==3,d=4"]).as_deref(),
        Some("a=1,b=2,d=4")
    );
    // A value of 257 characters, a key of 257: those members only.
    let long_value = format!("a=1,b={},c=3", "x".repeat(257));
    assert_eq!(parse(&[&long_value]).as_deref(), Some("a=1,c=3"));
    let long_key = format!("foo=1,{}=1", "z".repeat(257));
    assert_eq!(parse(&[&long_key]).as_deref(), Some("foo=1"));
    // Non-ASCII header bytes spoil their member only.
    let mut h = headers(&[("traceparent", SPEC)]);
    h.insert(TRACESTATE, HeaderValue::from_bytes(b"a=\xff,b=1").unwrap());
    h.append(TRACESTATE, HeaderValue::from_bytes(b"c\xe9=2").unwrap());
    h.append(TRACESTATE, HeaderValue::from_static("d=4"));
    let tc = TraceContext::from_headers(&h).unwrap();
    assert_eq!(tc.tracestate().unwrap().as_str(), "b=1,d=4");
    // Only bad members: no tracestate at all, the trace still continued.
    h.insert(TRACESTATE, HeaderValue::from_bytes(b"a=\xff").unwrap());
    let tc = TraceContext::from_headers(&h).unwrap();
    assert_eq!(tc.trace_id().to_string(), TRACE);
    assert!(tc.tracestate().is_none());
}

#[test]
fn a_repeated_key_keeps_its_first_member() {
    for (lines, kept) in [
        (&["foo=1,foo=1"][..], "foo=1"),
        (&["foo=1,foo=2"], "foo=1"),
        (&["foo=1", "foo=2"], "foo=1"),
        (
            &["rojo=1,congo=2,rojo=3,tenant@dt=4", "congo=5"],
            "rojo=1,congo=2,tenant@dt=4",
        ),
    ] {
        let ts = TraceState::parse(lines.iter().copied()).unwrap();
        assert_eq!(ts.as_str(), kept, "{lines:?}");
    }
}

#[test]
fn level_2_keys() {
    let accepted = [
        "foo@".to_owned(),
        "foo@@bar".to_owned(),
        "foo@bar@baz".to_owned(),
        "special@vendor".to_owned(),
        "1special".to_owned(),
        "0".to_owned(),
        "fw529a3039@dt".to_owned(),
        "a-z0-9_-*/@x".to_owned(),
        "z".repeat(256),
        // Level 1 bounded a tenant to 241 characters and a system to 14;
        // Level 2 bounds the key alone, to 256.
        format!("{}@{}", "t".repeat(241), "v".repeat(14)),
        format!("{}@v", "t".repeat(242)),
        format!("t@{}", "v".repeat(15)),
        format!("{}@", "t".repeat(255)),
        format!("1@{}", "9".repeat(254)),
    ];
    for key in &accepted {
        let line = format!("foo=1,{key}=2");
        let ts = TraceState::parse([line.as_str()]).unwrap();
        assert_eq!(ts.as_str(), line, "{key}");
    }
    let refused = [
        "@foo".to_owned(),
        "@".to_owned(),
        "special.vendor".to_owned(),
        "Special".to_owned(),
        "spEcial".to_owned(),
        "*x".to_owned(),
        "z".repeat(257),
        format!("t@{}", "v".repeat(255)),
    ];
    for key in &refused {
        let line = format!("foo=1,{key}=2");
        assert_eq!(
            TraceState::parse([line.as_str()]).unwrap().as_str(),
            "foo=1",
            "{key}"
        );
    }
}

#[test]
fn every_allowed_character() {
    let key = "abcdefghijklmnopqrstuvwxyz0123456789_-*/@";
    let value: String = (0x20u8..=0x7e)
        .filter(|c| !matches!(c, b',' | b'='))
        .map(char::from)
        .collect();
    let line = format!("{key}={value}");
    assert_eq!(TraceState::parse([line.as_str()]).unwrap().as_str(), line);
}

#[test]
fn tracestate_count_bound_drops_the_right_most() {
    let members = |n: usize| {
        (1..=n)
            .map(|i| format!("bar{i:02}={i:02}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(
        TraceState::parse([members(32).as_str()]).unwrap().as_str(),
        members(32)
    );
    // 33 or more: the first 32 stay.
    for n in [33, 40, 100] {
        assert_eq!(
            TraceState::parse([members(n).as_str()]).unwrap().as_str(),
            members(32)
        );
    }
    // Dropped members (bad, repeated) do not count.
    let with_noise = format!("Bad=1,{},bar01=x,bar33=33", members(31));
    assert_eq!(
        TraceState::parse([with_noise.as_str()]).unwrap().as_str(),
        format!("{},bar33=33", members(31))
    );
}

#[test]
fn tracestate_length_bound_drops_long_members_first_then_from_the_right() {
    let v = |n: usize| "x".repeat(n);
    // Exactly 512 is kept whole.
    let fits = format!("a={},b={}", v(254), v(253));
    assert_eq!(fits.len(), MAX_TRACESTATE_LEN);
    assert_eq!(TraceState::parse([fits.as_str()]).unwrap().as_str(), fits);
    // One byte more: the right-most member over 128 characters goes.
    let over = format!("{fits}x");
    assert_eq!(
        TraceState::parse([over.as_str()]).unwrap().as_str(),
        format!("a={}", v(254))
    );
    // Long members go before short ones, wherever they are.
    let short: Vec<String> = (0..10).map(|i| format!("s{i}={}", v(20))).collect();
    let line = format!("l1={},{},l2={}", v(200), short.join(","), v(200));
    assert!(line.len() > MAX_TRACESTATE_LEN);
    let kept = TraceState::parse([line.as_str()]).unwrap();
    assert_eq!(kept.as_str(), format!("l1={},{}", v(200), short.join(",")));
    assert!(kept.as_str().len() <= MAX_TRACESTATE_LEN);
    // Only short members: from the right.
    let many: Vec<String> = (0..30).map(|i| format!("k{i:02}={}", v(20))).collect();
    let kept = TraceState::parse([many.join(",").as_str()]).unwrap();
    let n = kept.as_str().split(',').count();
    assert_eq!(kept.as_str(), many[..n].join(","));
    assert!(kept.as_str().len() <= MAX_TRACESTATE_LEN);
    assert!(kept.as_str().len() + 1 + many[n].len() > MAX_TRACESTATE_LEN);
    // A single member longer than 512 (a 256-character key and value) is
    // dropped; what is left stays.
    let huge = format!("{}={},ok=1", "k".repeat(256), v(256));
    assert_eq!(TraceState::parse([huge.as_str()]).unwrap().as_str(), "ok=1");
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
