//! Small deserializers for URL text: `(name, value)` pairs walked as a map,
//! each value parsed into the scalar its target asks for.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};

/// The error of the URL deserializers: a message without the input value.
#[derive(Debug)]
pub struct UrlError(pub(super) String);

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UrlError {}

impl de::Error for UrlError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

/// Deserializes what an absent field holds: `None` for options, an empty
/// list for sequences when `empty_seq` (repeatable query parameters), an
/// error for everything else.
pub(super) struct Missing {
    pub(super) empty_seq: bool,
}

impl<'de> de::Deserializer<'de> for Missing {
    type Error = UrlError;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, UrlError> {
        Err(de::Error::custom("missing"))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
        visitor.visit_none()
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
        if self.empty_seq {
            visitor.visit_seq(de::value::SeqDeserializer::<_, UrlError>::new(
                std::iter::empty::<Text<'static>>(),
            ))
        } else {
            Err(de::Error::custom("missing"))
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Walks `(name, value)` string pairs as a map.
pub(super) struct PairsAccess<'a, I> {
    pub(super) pairs: I,
    pub(super) value: Option<Cow<'a, str>>,
}

impl<'de, 'a, I: Iterator<Item = (Cow<'a, str>, Cow<'a, str>)>> MapAccess<'de>
    for PairsAccess<'a, I>
{
    type Error = UrlError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, UrlError> {
        match self.pairs.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(Text(k)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, UrlError> {
        let value = self.value.take().unwrap_or_default();
        seed.deserialize(Text(value))
    }
}

/// One URL text value, parsed into whatever scalar the target asks for.
pub(super) struct Text<'a>(pub(super) Cow<'a, str>);

impl<'de, 'a> IntoDeserializer<'de, UrlError> for Text<'a> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl Text<'_> {
    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, UrlError> {
        self.0
            .trim()
            .parse()
            .map_err(|_| UrlError(format!("expected {what}")))
    }
}

macro_rules! text_integers {
    ($($method:ident $visit:ident $ty:ty => $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
            // `2.0` too: the rule every integer source reads by.
            match super::integral::parse_int::<$ty>(&self.0) {
                Some(value) => visitor.$visit(value),
                None => Err(UrlError(format!("expected {}", $what))),
            }
        }
    )*};
}

macro_rules! text_scalars {
    ($($method:ident $visit:ident $ty:ty => $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
            visitor.$visit(self.parse::<$ty>($what)?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Text<'_> {
    type Error = UrlError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
        match self.0 {
            Cow::Borrowed(s) => visitor.visit_str(s),
            Cow::Owned(s) => visitor.visit_string(s),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
        match super::parse_bool(self.0.as_bytes()) {
            Some(b) => visitor.visit_bool(b),
            None => Err(UrlError(super::BOOL_EXPECTED.into())),
        }
    }

    text_integers! {
        deserialize_i8 visit_i8 i8 => "an integer from -128 to 127";
        deserialize_i16 visit_i16 i16 => "a 16-bit integer";
        deserialize_i32 visit_i32 i32 => "a 32-bit integer";
        deserialize_i64 visit_i64 i64 => "a 64-bit integer";
        deserialize_i128 visit_i128 i128 => "a 128-bit integer";
        deserialize_u8 visit_u8 u8 => "an integer from 0 to 255";
        deserialize_u16 visit_u16 u16 => "an integer from 0 to 65535";
        deserialize_u32 visit_u32 u32 => "a non-negative 32-bit integer";
        deserialize_u64 visit_u64 u64 => "a non-negative 64-bit integer";
        deserialize_u128 visit_u128 u128 => "a non-negative 128-bit integer";
    }

    text_scalars! {
        deserialize_f32 visit_f32 f32 => "a number";
        deserialize_f64 visit_f64 f64 => "a number";
        deserialize_char visit_char char => "a single character";
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
        visitor.visit_unit()
    }

    /// One value of a repeatable parameter (`Vec<T>`): a list of one, which
    /// the field set appends to what earlier keys gave.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
        visitor.visit_seq(de::value::SeqDeserializer::<_, UrlError>::new(
            std::iter::once(self),
        ))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, UrlError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, UrlError> {
        let text: String = self.0.into_owned();
        visitor.visit_enum(IntoDeserializer::<UrlError>::into_deserializer(text))
    }

    serde::forward_to_deserialize_any! {
        str string bytes byte_buf unit_struct tuple
        tuple_struct map struct identifier ignored_any
    }
}
