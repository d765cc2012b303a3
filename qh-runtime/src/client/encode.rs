//! Arguments as URL text: the inverse of the server's URL deserializers
//! (`crate::extract::url`). A scalar is one value, `None` none, a sequence
//! one value per item (a repeated query key); a struct or map, at the top
//! of a `#[query(flatten)]` argument only, is its fields as keys.

use std::fmt;

use serde::ser::{self, Impossible, Serialize};

/// Why a value is not URL text.
#[derive(Debug)]
pub struct TextError(String);

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TextError {}

impl ser::Error for TextError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

fn unsupported<T>(what: &str) -> Result<T, TextError> {
    Err(TextError(format!(
        "{what} cannot be a path or query value: use text, numbers, booleans, unit enum variants, options or lists of those"
    )))
}

/// The URL values of `value`: none, one, or one per item of a list.
pub(crate) fn texts<T: Serialize + ?Sized>(value: &T) -> Result<Vec<String>, TextError> {
    let mut out = Vec::new();
    value.serialize(Values { out: &mut out })?;
    Ok(out)
}

/// The `(key, value)` pairs of a struct or map: a flattened query.
pub(crate) fn pairs<T: Serialize + ?Sized>(value: &T) -> Result<Vec<(String, String)>, TextError> {
    let mut out = Vec::new();
    value.serialize(Pairs { out: &mut out })?;
    Ok(out)
}

/// Collects the values of one parameter.
struct Values<'a> {
    out: &'a mut Vec<String>,
}

/// One scalar, as text.
struct Scalar;

macro_rules! display_scalars {
    ($($method:ident $ty:ty;)*) => {$(
        fn $method(self, v: $ty) -> Result<Self::Ok, TextError> {
            Ok(v.to_string())
        }
    )*};
}

impl ser::Serializer for Scalar {
    type Ok = String;
    type Error = TextError;
    type SerializeSeq = Impossible<String, TextError>;
    type SerializeTuple = Impossible<String, TextError>;
    type SerializeTupleStruct = Impossible<String, TextError>;
    type SerializeTupleVariant = Impossible<String, TextError>;
    type SerializeMap = Impossible<String, TextError>;
    type SerializeStruct = Impossible<String, TextError>;
    type SerializeStructVariant = Impossible<String, TextError>;

    display_scalars! {
        serialize_bool bool;
        serialize_i8 i8;
        serialize_i16 i16;
        serialize_i32 i32;
        serialize_i64 i64;
        serialize_i128 i128;
        serialize_u8 u8;
        serialize_u16 u16;
        serialize_u32 u32;
        serialize_u64 u64;
        serialize_u128 u128;
        serialize_f32 f32;
        serialize_f64 f64;
        serialize_char char;
        serialize_str &str;
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<String, TextError> {
        unsupported("bytes")
    }
    fn serialize_none(self) -> Result<String, TextError> {
        unsupported("a `None` inside a list")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, TextError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, TextError> {
        Ok(String::new())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, TextError> {
        Ok(String::new())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, TextError> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, TextError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, TextError> {
        unsupported("an enum variant with data")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, TextError> {
        unsupported("a list inside a list")
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, TextError> {
        unsupported("a tuple inside a list")
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, TextError> {
        unsupported("a tuple struct")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, TextError> {
        unsupported("an enum variant with data")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, TextError> {
        unsupported("a map")
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, TextError> {
        unsupported("a struct")
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, TextError> {
        unsupported("an enum variant with data")
    }
}

/// A parameter's values: a scalar, an option, or a list of scalars.
impl ser::Serializer for Values<'_> {
    type Ok = ();
    type Error = TextError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Impossible<(), TextError>;
    type SerializeTupleVariant = Impossible<(), TextError>;
    type SerializeMap = Impossible<(), TextError>;
    type SerializeStruct = Impossible<(), TextError>;
    type SerializeStructVariant = Impossible<(), TextError>;

    fn serialize_bool(self, v: bool) -> Result<(), TextError> {
        self.one(Scalar.serialize_bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<(), TextError> {
        self.one(Scalar.serialize_i8(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), TextError> {
        self.one(Scalar.serialize_i16(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), TextError> {
        self.one(Scalar.serialize_i32(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), TextError> {
        self.one(Scalar.serialize_i64(v))
    }
    fn serialize_i128(self, v: i128) -> Result<(), TextError> {
        self.one(Scalar.serialize_i128(v))
    }
    fn serialize_u8(self, v: u8) -> Result<(), TextError> {
        self.one(Scalar.serialize_u8(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), TextError> {
        self.one(Scalar.serialize_u16(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), TextError> {
        self.one(Scalar.serialize_u32(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), TextError> {
        self.one(Scalar.serialize_u64(v))
    }
    fn serialize_u128(self, v: u128) -> Result<(), TextError> {
        self.one(Scalar.serialize_u128(v))
    }
    fn serialize_f32(self, v: f32) -> Result<(), TextError> {
        self.one(Scalar.serialize_f32(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), TextError> {
        self.one(Scalar.serialize_f64(v))
    }
    fn serialize_char(self, v: char) -> Result<(), TextError> {
        self.one(Scalar.serialize_char(v))
    }
    fn serialize_str(self, v: &str) -> Result<(), TextError> {
        self.one(Scalar.serialize_str(v))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), TextError> {
        unsupported("bytes")
    }
    fn serialize_none(self) -> Result<(), TextError> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), TextError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), TextError> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), TextError> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<(), TextError> {
        self.one(Scalar.serialize_unit_variant(name, index, variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), TextError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), TextError> {
        unsupported("an enum variant with data")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, TextError> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, TextError> {
        Ok(self)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, TextError> {
        unsupported("a tuple struct")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, TextError> {
        unsupported("an enum variant with data")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, TextError> {
        unsupported("a map")
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, TextError> {
        unsupported("a struct (take it with `#[query(flatten)]`)")
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, TextError> {
        unsupported("an enum variant with data")
    }
}

impl Values<'_> {
    fn one(self, text: Result<String, TextError>) -> Result<(), TextError> {
        self.out.push(text?);
        Ok(())
    }
}

impl ser::SerializeSeq for Values<'_> {
    type Ok = ();
    type Error = TextError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TextError> {
        self.out.push(value.serialize(Scalar)?);
        Ok(())
    }

    fn end(self) -> Result<(), TextError> {
        Ok(())
    }
}

impl ser::SerializeTuple for Values<'_> {
    type Ok = ();
    type Error = TextError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TextError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<(), TextError> {
        Ok(())
    }
}

/// A flattened query: a struct's or map's fields as keys.
struct Pairs<'a> {
    out: &'a mut Vec<(String, String)>,
}

/// The open struct or map of a flattened query, and its pending key.
struct PairsOf<'a> {
    out: &'a mut Vec<(String, String)>,
    key: Option<String>,
}

impl PairsOf<'_> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), TextError> {
        for text in texts(value)? {
            self.out.push((key.to_owned(), text));
        }
        Ok(())
    }
}

impl ser::SerializeStruct for PairsOf<'_> {
    type Ok = ();
    type Error = TextError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), TextError> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), TextError> {
        Ok(())
    }
}

impl ser::SerializeMap for PairsOf<'_> {
    type Ok = ();
    type Error = TextError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), TextError> {
        self.key = Some(key.serialize(Scalar)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TextError> {
        let key = self.key.take().unwrap_or_default();
        self.field(&key, value)
    }

    fn end(self) -> Result<(), TextError> {
        Ok(())
    }
}

macro_rules! not_pairs {
    ($($method:ident $ty:ty;)*) => {$(
        fn $method(self, _: $ty) -> Result<(), TextError> {
            unsupported("a value that is not a struct or map (`#[query(flatten)]`)")
        }
    )*};
}

impl<'a> ser::Serializer for Pairs<'a> {
    type Ok = ();
    type Error = TextError;
    type SerializeSeq = Impossible<(), TextError>;
    type SerializeTuple = Impossible<(), TextError>;
    type SerializeTupleStruct = Impossible<(), TextError>;
    type SerializeTupleVariant = Impossible<(), TextError>;
    type SerializeMap = PairsOf<'a>;
    type SerializeStruct = PairsOf<'a>;
    type SerializeStructVariant = Impossible<(), TextError>;

    not_pairs! {
        serialize_bool bool;
        serialize_i8 i8;
        serialize_i16 i16;
        serialize_i32 i32;
        serialize_i64 i64;
        serialize_i128 i128;
        serialize_u8 u8;
        serialize_u16 u16;
        serialize_u32 u32;
        serialize_u64 u64;
        serialize_u128 u128;
        serialize_f32 f32;
        serialize_f64 f64;
        serialize_char char;
        serialize_str &str;
        serialize_bytes &[u8];
    }

    fn serialize_none(self) -> Result<(), TextError> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), TextError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), TextError> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), TextError> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), TextError> {
        unsupported("an enum (`#[query(flatten)]`)")
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), TextError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), TextError> {
        unsupported("an enum (`#[query(flatten)]`)")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, TextError> {
        unsupported("a list (`#[query(flatten)]`)")
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, TextError> {
        unsupported("a tuple (`#[query(flatten)]`)")
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, TextError> {
        unsupported("a tuple struct (`#[query(flatten)]`)")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, TextError> {
        unsupported("an enum (`#[query(flatten)]`)")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<PairsOf<'a>, TextError> {
        Ok(PairsOf {
            out: self.out,
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<PairsOf<'a>, TextError> {
        Ok(PairsOf {
            out: self.out,
            key: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, TextError> {
        unsupported("an enum (`#[query(flatten)]`)")
    }
}

/// `text` as one path segment: everything but RFC 3986's unreserved
/// characters percent-encoded (`/` too, unless `catch_all`: a `{*rest}`
/// placeholder takes the rest of the path).
pub(crate) fn path_segment(text: &str, catch_all: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~')
            || (catch_all && byte == b'/');
        if keep {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    #[serde(rename_all = "lowercase")]
    enum Color {
        Red,
    }

    #[derive(serde::Serialize)]
    struct Filter {
        q: String,
        limit: Option<u32>,
        tag: Vec<String>,
        color: Color,
    }

    #[test]
    fn scalars_options_and_lists() {
        assert_eq!(texts(&5u8).unwrap(), ["5"]);
        assert_eq!(texts(&-1.5f64).unwrap(), ["-1.5"]);
        assert_eq!(texts(&true).unwrap(), ["true"]);
        assert_eq!(texts("a b").unwrap(), ["a b"]);
        assert_eq!(texts(&Color::Red).unwrap(), ["red"]);
        assert!(texts(&None::<u8>).unwrap().is_empty());
        assert_eq!(texts(&Some(3)).unwrap(), ["3"]);
        assert_eq!(texts(&vec!["x", "y"]).unwrap(), ["x", "y"]);
        assert_eq!(texts(&Some(vec![1, 2])).unwrap(), ["1", "2"]);
        assert!(texts(&vec![vec![1]]).is_err());
        let err = texts(&BTreeMap::from([("a", 1)])).unwrap_err();
        assert!(err.to_string().starts_with("a map cannot be"), "{err}");
    }

    #[test]
    fn a_flattened_query_is_its_fields() {
        let filter = Filter {
            q: "x".into(),
            limit: None,
            tag: vec!["a".into(), "b".into()],
            color: Color::Red,
        };
        let got = pairs(&filter).unwrap();
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            [("q", "x"), ("tag", "a"), ("tag", "b"), ("color", "red")]
        );
        assert!(pairs(&1).is_err());
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("a b/c?é", false), "a%20b%2Fc%3F%C3%A9");
        assert_eq!(path_segment("dir/file.txt", true), "dir/file.txt");
        assert_eq!(path_segment("{id}", false), "%7Bid%7D");
    }
}
