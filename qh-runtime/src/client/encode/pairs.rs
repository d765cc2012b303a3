//! A `#[query(flatten)]` argument: a struct's or map's fields as
//! `(key, value)` pairs.

use serde::ser::{self, Impossible, Serialize};

use super::scalar::Scalar;
use super::{texts, unsupported, TextError};

/// A flattened query: a struct's or map's fields as keys.
pub(super) struct Pairs<'a> {
    pub(super) out: &'a mut Vec<(String, String)>,
}

/// The open struct or map of a flattened query, and its pending key.
pub(super) struct PairsOf<'a> {
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
