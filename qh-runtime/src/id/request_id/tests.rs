//! Unit tests of `RequestId`: storage, comparisons and round trips.

use super::*;
use bytes::Bytes;

#[test]
fn kept_ids_own_their_bytes() {
    let raw = Bytes::from(b"abc-123".to_vec());
    let hv = HeaderValue::from_maybe_shared(raw.clone()).unwrap();
    let id = RequestId::from_header_value(&hv).unwrap();
    assert_eq!(id, "abc-123");
    assert_ne!(id.as_bytes().as_ptr(), raw.as_ptr());
    assert!(matches!(id.0, Repr::Inline(_)));
    let long = RequestId::new("x".repeat(200)).unwrap();
    assert!(matches!(long.0, Repr::Shared(_)));
    assert_eq!(long.len(), 200);
}

#[test]
fn comparisons() {
    let id = RequestId::from_static("a-1");
    assert_eq!(id, "a-1");
    assert_eq!("a-1", id);
    assert_eq!(id, String::from("a-1"));
    assert_ne!(id, "a-2");
    assert_eq!(id, RequestId::new("a-1").unwrap());
    let set: std::collections::HashSet<RequestId> = [id.clone()].into();
    assert!(set.contains("a-1"));
}

#[test]
fn serde_round_trip_validates() {
    let id = RequestId::from_static("x.y");
    assert_eq!(serde_json::to_string(&id).unwrap(), "\"x.y\"");
    assert_eq!(serde_json::from_str::<RequestId>("\"x.y\"").unwrap(), id);
    assert!(serde_json::from_str::<RequestId>("\"x y\"").is_err());
}

#[test]
fn everything_an_id_can_hold_round_trips() {
    // What a custom validator or a raised `max_len` may accept.
    for text in [
        "a".repeat(129),
        "{curly}|<angle>".to_owned(),
        "x".repeat(1024),
    ] {
        let id = RequestId::new(text.clone()).unwrap();
        assert_eq!(id.as_str().parse::<RequestId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<RequestId>(&json).unwrap(), id);
        assert_eq!(RequestId::try_from(&id.to_header_value()).unwrap(), id);
    }
    assert!(RequestId::new("x".repeat(1025)).is_err());
}
