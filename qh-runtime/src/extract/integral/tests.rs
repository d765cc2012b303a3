//! Integral numbers read as integers: the bound, every source's shapes.

use super::*;
use std::collections::BTreeMap;

fn json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = T::deserialize(Integral(&mut de))?;
    de.end().map(|()| value)
}

#[derive(serde::Deserialize, Debug, PartialEq)]
struct Order {
    qty: u32,
    lines: Vec<i64>,
    by_day: BTreeMap<String, u8>,
    note: Option<i16>,
    price: f64,
    raw: serde_json::Value,
}

#[test]
fn integral_floats_read_as_integers_at_every_depth() {
    let order: Order = json(
        r#"{"qty": 2.0, "lines": [1, -3.0, 2e3], "by_day": {"mon": 7.0},
            "note": -0.0, "price": 2.0, "raw": 2.0}"#,
    )
    .unwrap();
    assert_eq!(order.qty, 2);
    assert_eq!(order.lines, [1, -3, 2000]);
    assert_eq!(order.by_day["mon"], 7);
    assert_eq!(order.note, Some(0));
    assert!((order.price - 2.0).abs() < f64::EPSILON);
    // Not an integer read: the value stays as it was sent.
    assert!(order.raw.is_f64());
}

#[test]
fn fractions_large_floats_and_out_of_range_values_are_refused_as_before() {
    // Not integral, or past 2^53: serde's own refusal, word for word.
    for bad in ["2.5", "1e300", "9007199254740994.0", "\"2\""] {
        let err = json::<u32>(bad).unwrap_err();
        let plain = serde_json::from_str::<u32>(bad).unwrap_err();
        assert!(err.is_data(), "{bad}: {err}");
        assert_eq!(err.to_string(), plain.to_string(), "{bad}");
    }
    // Integral but out of range: a data error too (422 for a body key),
    // naming the integer.
    for bad in ["-1.0", "4294967296.0"] {
        let err = json::<u32>(bad).unwrap_err();
        assert!(err.is_data(), "{bad}: {err}");
        assert!(
            err.to_string().contains("invalid value: integer"),
            "{bad}: {err}"
        );
    }
    assert_eq!(json::<i64>("9007199254740992.0").unwrap(), 1 << 53);
    assert_eq!(json::<u8>("255.0").unwrap(), 255);
    assert!(json::<u8>("256.0").is_err());
}

#[test]
fn text_reads_the_same_rule() {
    assert_eq!(parse_int::<i64>(" 2.0 "), Some(2));
    assert_eq!(parse_int::<u64>("2e3"), Some(2000));
    assert_eq!(parse_int::<i8>("-128.0"), Some(-128));
    assert_eq!(parse_int::<u64>("18446744073709551615"), Some(u64::MAX));
    for bad in ["2.5", "-1.0", "1e300", "inf", "NaN", "0x10", "", "2.0.0"] {
        assert_eq!(parse_int::<u32>(bad), None, "{bad}");
    }
    assert_eq!(parse_int::<i8>("128.0"), None);
}
