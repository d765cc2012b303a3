//! Named fields read from a map-shaped source (the JSON body, the query
//! string, the path) in one pass, and the problems that name them.

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, Visitor};

use super::body_error::json_error;
use super::url::{Missing, PairsAccess};
use crate::error::{Error, ErrorKind};

/// A set of named fields filled from a map-shaped source (the JSON body, the
/// query string, the path). Implemented by the code `#[qh::endpoint]`
/// generates; not meant to be implemented by hand.
#[doc(hidden)]
pub trait Fields: Default {
    /// The field names, in declaration order.
    const NAMES: &'static [&'static str];

    /// Reads the value of field `index` from `map`. Returns `Ok(false)` when
    /// the field was already set (a duplicate key).
    ///
    /// # Errors
    ///
    /// When the value cannot be deserialized as the field's type.
    fn set<'de, A: MapAccess<'de>>(&mut self, index: usize, map: &mut A) -> Result<bool, A::Error>;
}

/// Which part of the request a field set comes from.
#[derive(Clone, Copy)]
pub(super) enum Source {
    Body,
    Query,
    Path,
}

/// Reads the field a key names and records which one failed.
struct FieldsVisitor<'a, F> {
    out: &'a mut F,
    failed: &'a mut Option<(usize, bool)>,
}

struct KeyIndex(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeyIndex {
    type Value = Option<usize>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIndex {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|name| *name == key))
    }
}

impl<'de, F: Fields> Visitor<'de> for FieldsVisitor<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeyIndex(F::NAMES))? {
            match key {
                Some(index) => match self.out.set(index, &mut map) {
                    Ok(true) => {}
                    Ok(false) => {
                        *self.failed = Some((index, true));
                        return Err(de::Error::custom("duplicate field"));
                    }
                    Err(e) => {
                        *self.failed = Some((index, false));
                        return Err(e);
                    }
                },
                None => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

impl Source {
    /// How the problem document names the place.
    fn noun(self) -> &'static str {
        match self {
            Self::Body => "body field",
            Self::Query => "query parameter",
            Self::Path => "path parameter",
        }
    }

    /// A problem about parameter `name` of this source: 422 for body fields
    /// (DESIGN §5), 400 for the URL.
    fn problem(self, kind: ErrorKind, name: &'static str, detail: String) -> Error {
        let status = match self {
            Self::Body => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Query | Self::Path => StatusCode::BAD_REQUEST,
        };
        let error = Error::with_kind(kind, status, detail);
        match self {
            Self::Body => error.at_field(name),
            Self::Query => error.at_query(name),
            Self::Path => error.at_path(name),
        }
    }
}

fn field_error<F: Fields>(source: Source, index: usize, duplicate: bool, message: &str) -> Error {
    let name = F::NAMES.get(index).copied().unwrap_or("?");
    let noun = source.noun();
    let kind = match (source, duplicate) {
        (Source::Body, true) => ErrorKind::DuplicateField,
        (Source::Body, false) => ErrorKind::InvalidField,
        (Source::Query, _) => ErrorKind::InvalidQuery,
        (Source::Path, _) => ErrorKind::InvalidPath,
    };
    let detail = if duplicate {
        format!("{noun} `{name}` appears more than once")
    } else {
        format!("invalid {noun} `{name}`: {message}")
    };
    source.problem(kind, name, detail)
}

/// Parses a JSON object body into a field set, in one pass and without an
/// intermediate `Value`.
///
/// # Errors
///
/// 400 for malformed JSON, 422 for a body that is not an object or a field
/// of the wrong type (naming the field). `None` (no body) is `{}`.
pub fn body_fields<F: Fields>(body: Option<&[u8]>) -> Result<F, Error> {
    let mut out = F::default();
    let Some(body) = body else { return Ok(out) };
    let mut failed = None;
    let mut de = serde_json::Deserializer::from_slice(body);
    let visitor = FieldsVisitor {
        out: &mut out,
        failed: &mut failed,
    };
    let result = de::Deserializer::deserialize_map(&mut de, visitor).and_then(|()| de.end());
    match (result, failed) {
        (Ok(()), _) => Ok(out),
        (Err(e), Some((index, duplicate))) if e.is_data() || duplicate => Err(field_error::<F>(
            Source::Body,
            index,
            duplicate,
            &e.to_string(),
        )),
        (Err(e), _) => Err(json_error(&e)),
    }
}

/// Parses the query string into a field set.
///
/// # Errors
///
/// 400 naming the parameter that cannot be read.
pub fn query_fields<F: Fields>(query: Option<&str>) -> Result<F, Error> {
    let mut out = F::default();
    let Some(query) = query else { return Ok(out) };
    let mut failed = None;
    let access = PairsAccess {
        pairs: form_urlencoded::parse(query.as_bytes()),
        value: None,
    };
    let visitor = FieldsVisitor {
        out: &mut out,
        failed: &mut failed,
    };
    match (visitor.visit_map(access), failed) {
        (Ok(()), _) => Ok(out),
        (Err(e), Some((index, dup))) => Err(field_error::<F>(Source::Query, index, dup, &e.0)),
        (Err(e), None) => Err(Error::with_kind(
            ErrorKind::InvalidQuery,
            StatusCode::BAD_REQUEST,
            format!("invalid query string: {}", e.0),
        )),
    }
}

/// Reads the route's path parameters into a field set.
///
/// # Errors
///
/// 400 naming the parameter that cannot be read.
pub fn path_fields<'a, F: Fields>(
    params: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<F, Error> {
    let mut out = F::default();
    let mut failed = None;
    let access = PairsAccess {
        pairs: params.map(|(k, v)| (Cow::Borrowed(k), Cow::Borrowed(v))),
        value: None,
    };
    let visitor = FieldsVisitor {
        out: &mut out,
        failed: &mut failed,
    };
    match (visitor.visit_map(access), failed) {
        (Ok(()), _) => Ok(out),
        (Err(e), index) => {
            let index = index.map_or(usize::MAX, |(i, _)| i);
            Err(field_error::<F>(Source::Path, index, false, &e.0))
        }
    }
}

/// What an absent field holds: `None` for `Option<T>`, `[]` for a list
/// when `empty_seq`, else nothing.
pub(super) fn absent<T: DeserializeOwned>(empty_seq: bool) -> Option<T> {
    T::deserialize(Missing { empty_seq }).ok()
}

/// A parameter that was read, or what its type holds when absent (`None`
/// for `Option<T>`), or a problem naming it.
pub(super) fn take<T>(
    value: Option<T>,
    absent: fn() -> Option<T>,
    source: Source,
    name: &'static str,
) -> Result<T, Error> {
    value.or_else(absent).ok_or_else(|| {
        let kind = match source {
            Source::Body => ErrorKind::MissingField,
            Source::Query => ErrorKind::MissingQuery,
            Source::Path => ErrorKind::InvalidPath,
        };
        source.problem(kind, name, format!("missing {} `{name}`", source.noun()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::BodyField;

    #[derive(Default)]
    struct Two {
        a: Option<i64>,
        b: Option<Option<String>>,
    }

    impl Fields for Two {
        const NAMES: &'static [&'static str] = &["a", "b"];
        fn set<'de, A: MapAccess<'de>>(
            &mut self,
            index: usize,
            map: &mut A,
        ) -> Result<bool, A::Error> {
            match index {
                0 if self.a.is_none() => self.a = Some(map.next_value()?),
                1 if self.b.is_none() => self.b = Some(map.next_value()?),
                _ => return Ok(false),
            }
            Ok(true)
        }
    }

    #[test]
    fn body_errors_name_the_field() {
        let e = body_fields::<Two>(Some(br#"{"a":"x"}"#)).err().unwrap();
        assert_eq!((e.status().as_u16(), e.field()), (422, Some("a")));
        let e = body_fields::<Two>(Some(br#"{"a":1,"a":2}"#)).err().unwrap();
        assert_eq!(
            (e.kind(), e.field()),
            (ErrorKind::DuplicateField, Some("a"))
        );
        let e = body_fields::<Two>(Some(br#"{"a":1"#)).err().unwrap();
        assert_eq!(e.status().as_u16(), 400);
        let e = body_fields::<Two>(Some(b"[1]")).err().unwrap();
        assert_eq!(e.status().as_u16(), 422);
        let ok = body_fields::<Two>(Some(br#"{"b":null,"zzz":[1,{"q":2}],"a":3}"#)).unwrap();
        assert_eq!((ok.a, ok.b), (Some(3), Some(None)));
    }

    #[test]
    fn absent_options_are_none_and_the_rest_missing() {
        assert_eq!(
            <Option<i64> as BodyField>::__qh_take(None, "x").unwrap(),
            None
        );
        let e = <i64 as BodyField>::__qh_take(None, "x").unwrap_err();
        assert_eq!((e.kind(), e.field()), (ErrorKind::MissingField, Some("x")));
    }

    #[test]
    fn query_values_are_parsed_from_text() {
        let q = query_fields::<Two>(Some("b=hi%20there&a=-4&other=1")).unwrap();
        assert_eq!((q.a, q.b), (Some(-4), Some(Some("hi there".into()))));
        let e = query_fields::<Two>(Some("a=four")).err().unwrap();
        assert_eq!(
            e.detail(),
            "invalid query parameter `a`: expected a 64-bit integer"
        );
    }
}
