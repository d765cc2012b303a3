//! Trace and span IDs through bytes, hex and `Debug`.

use super::*;

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
