//! `#[query(flatten)] filter: Filter`: the whole query string read as one
//! `Deserialize` struct, as with axum's `Query<T>`, but answering
//! problem+json and parsing values the way single `#[query]` parameters do.

use std::borrow::Cow;
use std::collections::HashMap;

use http::StatusCode;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, Visitor};

use super::url::{Text, UrlError};
use crate::error::{Error, ErrorKind};

/// The query string as a map-shaped deserializer whose keys are distinct:
/// repeated keys are grouped, so a `Vec<T>` field reads them all.
struct QueryString<'a>(&'a str);

impl<'de> de::Deserializer<'de> for QueryString<'_> {
    type Error = UrlError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
        let mut groups: Vec<(Cow<'_, str>, Vec<Cow<'_, str>>)> = Vec::new();
        let mut index: HashMap<Cow<'_, str>, usize> = HashMap::new();
        for (key, value) in form_urlencoded::parse(self.0.as_bytes()) {
            match index.get(&key) {
                Some(&i) => groups[i].1.push(value),
                None => {
                    index.insert(key.clone(), groups.len());
                    groups.push((key, vec![value]));
                }
            }
        }
        visitor.visit_map(Groups {
            groups: groups.into_iter(),
            values: None,
        })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Walks the grouped `(key, values)`.
struct Groups<'a, I> {
    groups: I,
    values: Option<(Cow<'a, str>, Vec<Cow<'a, str>>)>,
}

impl<'de, 'a, I: Iterator<Item = (Cow<'a, str>, Vec<Cow<'a, str>>)>> MapAccess<'de>
    for Groups<'a, I>
{
    type Error = UrlError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, UrlError> {
        match self.groups.next() {
            Some((key, values)) => {
                let out = seed.deserialize(Text(key.clone())).map(Some);
                self.values = Some((key, values));
                out
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, UrlError> {
        let (key, values) = self.values.take().unwrap_or_default();
        seed.deserialize(Values { key, values })
    }
}

/// The values of one key: a list for sequences, else exactly one value.
struct Values<'a> {
    key: Cow<'a, str>,
    values: Vec<Cow<'a, str>>,
}

impl Values<'_> {
    fn one(mut self) -> Result<Text<'static>, UrlError> {
        if self.values.len() > 1 {
            return Err(UrlError(format!(
                "`{}` appears more than once",
                self.key.chars().take(64).collect::<String>()
            )));
        }
        let value = self.values.pop().unwrap_or_default();
        Ok(Text(Cow::Owned(value.into_owned())))
    }
}

/// Scalars read the key's one value, parsed as single parameters are.
macro_rules! to_one {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
            de::Deserializer::$method(self.one()?, visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Values<'_> {
    type Error = UrlError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
        de::Deserializer::deserialize_any(self.one()?, visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
        let texts = self
            .values
            .into_iter()
            .map(|v| Text(Cow::Owned(v.into_owned())));
        visitor.visit_seq(de::value::SeqDeserializer::<_, UrlError>::new(texts))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
        visitor.visit_some(self)
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
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, UrlError> {
        de::Deserializer::deserialize_enum(self.one()?, name, variants, visitor)
    }

    /// A key the struct has no field for: skipped, however many values it
    /// has (reading "the one value" would refuse `?tag=a&tag=b` meant for
    /// another parameter).
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, UrlError> {
        visitor.visit_unit()
    }

    to_one! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_unit
    }

    serde::forward_to_deserialize_any! {
        bytes byte_buf unit_struct tuple tuple_struct map struct identifier
    }
}

/// Reads the whole query string (none is an empty one) as `T`.
///
/// # Errors
///
/// 400 problem+json saying which parameter is missing or unreadable.
pub fn query_struct<T: DeserializeOwned>(query: Option<&str>) -> Result<T, Error> {
    T::deserialize(QueryString(query.unwrap_or(""))).map_err(|e| {
        Error::with_kind(
            ErrorKind::InvalidQuery,
            StatusCode::BAD_REQUEST,
            format!("invalid query string: {}", Cow::<str>::Owned(e.to_string())),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::query_struct;

    #[derive(serde::Deserialize)]
    struct Search {
        q: String,
    }

    #[test]
    fn keys_of_other_parameters_are_skipped_even_repeated() {
        let search: Search = query_struct(Some("tag=a&q=x&tag=b")).unwrap();
        assert_eq!(search.q, "x");
        let e = query_struct::<Search>(Some("q=x&q=y")).err().unwrap();
        assert_eq!(e.status(), 400);
    }
}
