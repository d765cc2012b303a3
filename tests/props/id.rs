//! `RequestId` construction and the default validation rule.

use axum::http::HeaderValue;
use proptest::prelude::*;
use qh::id::{validate, InvalidRequestId, MAX_LEN};
use qh::RequestId;

use crate::support::{default_rule, holdable, id_bytes, in_default_alphabet};

/// The bytes as text: itself when UTF-8, else with the invalid parts
/// replaced (which keeps a non-ASCII character in the value).
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

proptest! {
    #[test]
    fn id_constructors_accept_exactly_what_an_id_can_hold(bytes in id_bytes()) {
        let s = text(&bytes);
        let expected = holdable(s.as_bytes());
        let built = [
            RequestId::new(s.clone()),
            s.parse::<RequestId>(),
            RequestId::try_from(s.as_str()),
            RequestId::try_from(s.clone()),
        ];
        for result in built {
            prop_assert_eq!(result.is_ok(), expected, "{:?}", s);
            if let Ok(id) = result {
                prop_assert_eq!(id.as_str(), s.as_str());
                prop_assert_eq!(id.to_string(), s.as_str());
                prop_assert_eq!(id.len(), s.len());
                prop_assert!(!id.is_empty());
                let header = id.to_header_value();
                prop_assert_eq!(header.as_bytes(), s.as_bytes());
                prop_assert!(id == s.as_str());
            }
        }
        // The error names the first problem: emptiness, then length, then
        // the first byte that is not visible ASCII.
        let reason = if s.is_empty() {
            Some(InvalidRequestId::Empty)
        } else if s.len() > MAX_LEN {
            Some(InvalidRequestId::TooLong { len: s.len(), max: MAX_LEN })
        } else {
            s.bytes()
                .position(|b| !b.is_ascii_graphic())
                .map(|index| InvalidRequestId::NotVisible { index })
        };
        prop_assert_eq!(reason.is_none(), expected);
        prop_assert_eq!(RequestId::new(s.clone()).err(), reason);
    }

    #[test]
    fn id_serde_round_trips_and_refuses_what_cannot_be_an_id(bytes in id_bytes()) {
        let s = text(&bytes);
        let json = serde_json::to_string(&s).unwrap();
        let parsed = serde_json::from_str::<RequestId>(&json);
        prop_assert_eq!(parsed.is_ok(), holdable(s.as_bytes()), "{:?}", s);
        if let Ok(id) = parsed {
            prop_assert_eq!(serde_json::to_string(&id).unwrap(), json);
        }
    }

    #[test]
    fn id_default_rule_is_the_documented_language(bytes in id_bytes(), max_len in 0usize..=1100) {
        let expected = default_rule(&bytes, max_len);
        let checked = validate(&bytes, max_len);
        prop_assert_eq!(checked.is_ok(), expected);
        // The error names the first problem: emptiness, then length, then
        // the first byte outside the alphabet.
        let reason = if bytes.is_empty() {
            Some(InvalidRequestId::Empty)
        } else if bytes.len() > max_len {
            Some(InvalidRequestId::TooLong { len: bytes.len(), max: max_len })
        } else {
            bytes
                .iter()
                .position(|&b| !in_default_alphabet(b))
                .map(|index| InvalidRequestId::InvalidByte { index })
        };
        prop_assert_eq!(checked.err(), reason);
    }

    #[test]
    fn id_from_a_header_value_follows_the_default_rule(bytes in id_bytes()) {
        // Only what a header can carry (no CR, LF, NUL, …) reaches this.
        if let Ok(value) = HeaderValue::from_bytes(&bytes) {
            let id = RequestId::from_header_value(&value);
            prop_assert_eq!(id.is_some(), default_rule(&bytes, 128));
            if let Some(id) = id {
                prop_assert_eq!(id.as_bytes(), &bytes[..]);
            }
            // A header parameter of type `RequestId` reads what an ID can hold.
            let read = <RequestId as qh::extract::FromHeader>::from_header(&value);
            prop_assert_eq!(read.is_ok(), holdable(&bytes));
        }
    }
}
