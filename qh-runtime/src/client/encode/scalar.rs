//! One scalar argument as URL text (a number, a string, a boolean, a
//! unit variant); everything else refused.

use serde::ser::{self, Impossible, Serialize};

use super::{unsupported, TextError};

/// One scalar, as text.
pub(super) struct Scalar;

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
