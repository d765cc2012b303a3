//! One parameter's values: a scalar, an option, or a list of scalars
//! (a repeated query key).

use serde::ser::{self, Impossible, Serialize};

use super::scalar::Scalar;
use super::{unsupported, TextError};

/// Collects the values of one parameter.
pub(super) struct Values<'a> {
    pub(super) out: &'a mut Vec<String>,
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
