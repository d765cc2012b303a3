//! [`TraceContext`]: continuing or starting a trace from a request's
//! headers, the `traceparent` it sends, its flags and where it is stored.

use super::*;

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
