//! [`TraceState`]: `tracestate` lists normalised, validated member by
//! member and bounded in count and length.

use super::*;

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
