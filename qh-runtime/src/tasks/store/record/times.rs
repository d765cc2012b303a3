//! Record times on the wire: seconds since the Unix epoch as floats, as
//! Python qh writes them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `t` in seconds since the Unix epoch, as Python qh writes times (a time
/// before the epoch is 0).
pub(crate) fn seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The time `secs` seconds after the Unix epoch; `None` for a number that
/// is no time (negative, not finite, out of range).
pub(crate) fn from_seconds(secs: f64) -> Option<SystemTime> {
    if !(secs.is_finite() && secs >= 0.0) {
        return None;
    }
    UNIX_EPOCH.checked_add(Duration::try_from_secs_f64(secs).ok()?)
}

/// Record times on the wire: seconds since the Unix epoch, as floats.
pub(crate) mod seconds {
    use std::time::SystemTime;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(in crate::tasks::store::record) fn serialize<S: Serializer>(
        t: &SystemTime,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_f64(super::seconds(*t))
    }

    pub(in crate::tasks::store::record) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<SystemTime, D::Error> {
        let secs = f64::deserialize(d)?;
        super::from_seconds(secs).ok_or_else(|| D::Error::custom("not a time in seconds"))
    }

    /// The same for a time that may be missing (`null`).
    pub(in crate::tasks::store::record) mod option {
        use std::time::SystemTime;

        use serde::de::Error as _;
        use serde::{Deserialize, Deserializer, Serializer};

        #[allow(clippy::ref_option)] // serde's `with` passes `&Option<T>`
        pub(in crate::tasks::store::record) fn serialize<S: Serializer>(
            t: &Option<SystemTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_some(&super::super::seconds(*t)),
                None => s.serialize_none(),
            }
        }

        pub(in crate::tasks::store::record) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<SystemTime>, D::Error> {
            Option::<f64>::deserialize(d)?
                .map(|secs| {
                    super::super::from_seconds(secs)
                        .ok_or_else(|| D::Error::custom("not a time in seconds"))
                })
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::TaskRecord;

    #[test]
    fn times_are_seconds_on_the_wire_both_ways() {
        let mut record = TaskRecord::pending("t", None, "f");
        record.created_at = UNIX_EPOCH + Duration::from_secs_f64(1_796_195_336.924_817_8);
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(
            json["created_at"],
            serde_json::json!(1_796_195_336.924_817_8)
        );
        assert_eq!(json["started_at"], serde_json::Value::Null);
        let back: TaskRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back.created_at, record.created_at);
        assert_eq!(from_seconds(-1.0), None);
        assert_eq!(from_seconds(f64::INFINITY), None);
        assert_eq!(from_seconds(f64::NAN), None);
    }
}
