//! [`TraceParent`]'s parsing: the spec's examples, the strict rules of
//! version 00 and forward-compatible later versions.

use super::*;

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
