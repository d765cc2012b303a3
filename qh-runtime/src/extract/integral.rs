//! Integral numbers for integer parameters: `2.0` (and `2e3`) read as the
//! integer they are, wherever an integer is read (the JSON body, `#[body]`
//! types at any depth, path, query and header values, the `/tasks` query).
//!
//! JSON Schema's `integer`, which the OpenAPI document says for every
//! integer type, holds `2.0`; Python's `json.dumps(2.0)` sends `2.0`
//! (JavaScript's `JSON.stringify(2.0)` sends `2`). serde's integers refuse
//! it, so without this rule the server would refuse values its document
//! calls valid. The rule is bounded: only numbers with no fractional part
//! and at most 2^53 in magnitude (where every integer is exactly a float,
//! so no digit is guessed) are read as integers; `2.5`, larger floats and
//! values out of the type's range are refused as before, with the same
//! answer.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

/// The largest magnitude a float holds every integer up to: 2^53.
const EXACT: f64 = 9_007_199_254_740_992.0;

/// The integer a float stands for, if it is integral and exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Whole {
    Negative(i64),
    NonNegative(u64),
}

/// `value` as an integer, when it has no fractional part and is at most
/// 2^53 in magnitude; `None` otherwise (`2.5`, `1e300`, NaN).
#[must_use]
pub(crate) fn whole(value: f64) -> Option<Whole> {
    if !value.is_finite() || value.fract() != 0.0 || value.abs() > EXACT {
        return None;
    }
    // Exact within ±2^53: the casts lose nothing.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(if value < 0.0 {
        Whole::Negative(value as i64)
    } else {
        Whole::NonNegative(value as u64)
    })
}

/// Reads an integer from text (a header, a path or query value): the
/// integer itself, or an integral number such as `2.0` or `2e3` within the
/// bounds of [`whole`]; whitespace around it is ignored. `None` when the
/// text is neither, or the value is out of `T`'s range.
#[must_use]
pub(crate) fn parse_int<T>(text: &str) -> Option<T>
where
    T: std::str::FromStr + TryFrom<i64> + TryFrom<u64>,
{
    let text = text.trim();
    if let Ok(value) = text.parse::<T>() {
        return Some(value);
    }
    // Only text that reads as a decimal number: not `inf`, `NaN`, `0x10`.
    if !text
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    match whole(text.parse::<f64>().ok()?)? {
        Whole::Negative(v) => T::try_from(v).ok(),
        Whole::NonNegative(v) => T::try_from(v).ok(),
    }
}

/// A JSON deserializer whose integer reads also take integral floats (see
/// the module doc), at every depth: what the body fields and `#[body]`
/// types are read through.
pub(crate) struct Integral<D>(pub(crate) D);

/// `T`, read through [`Integral`]: the seed of one body field's value.
pub(crate) struct IntegralSeed<T>(pub(crate) PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for IntegralSeed<T> {
    type Value = T;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize(Integral(d))
    }
}

/// A seed, access or visitor whose deserializers are wrapped in turn.
struct Wrap<X>(X);

/// A visitor: `int` when it was asked for an integer.
struct Visit<V> {
    inner: V,
    int: bool,
}

macro_rules! forward_any {
    ($($method:ident)*) => {$(
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(Visit { inner: visitor, int: false })
        }
    )*};
}

macro_rules! forward_int {
    ($($method:ident)*) => {$(
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(Visit { inner: visitor, int: true })
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Integral<D> {
    type Error = D::Error;

    forward_int! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    }

    forward_any! {
        deserialize_any deserialize_bool deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Visit::any(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, Visit::any(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Visit::any(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_tuple_struct(name, len, Visit::any(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, Visit::any(visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, Visit::any(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

impl<V> Visit<V> {
    fn any(inner: V) -> Self {
        Self { inner, int: false }
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty))*) => {$(
        #[inline]
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Visit<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit! {
        visit_bool(bool) visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64)
        visit_i128(i128) visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64)
        visit_u128(u128) visit_char(char) visit_str(&str) visit_borrowed_str(&'de str)
        visit_string(String) visit_bytes(&[u8]) visit_borrowed_bytes(&'de [u8])
        visit_byte_buf(Vec<u8>)
    }

    fn visit_f32<E: de::Error>(self, v: f32) -> Result<V::Value, E> {
        self.visit_f64(f64::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        match (self.int, whole(v)) {
            (true, Some(Whole::Negative(n))) => self.inner.visit_i64(n),
            (true, Some(Whole::NonNegative(n))) => self.inner.visit_u64(n),
            _ => self.inner.visit_f64(v),
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Integral(d))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(Integral(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(Wrap(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(Wrap(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(Wrap(data))
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Wrap<S> {
    type Value = S::Value;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Integral(d))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Wrap(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Wrap(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Wrap(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Wrap<A> {
    type Error = A::Error;
    type Variant = Wrap<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        self.0
            .variant_seed(Wrap(seed))
            .map(|(value, variant)| (value, Wrap(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Wrap(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Visit::any(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Visit::any(visitor))
    }
}

#[cfg(test)]
mod tests {
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
}
