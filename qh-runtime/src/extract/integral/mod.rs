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
mod tests;
