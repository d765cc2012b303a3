//! Integer schemas bounded as their Rust types are: `minimum` and
//! `maximum` written out for every sized integer format, so a client or a
//! fuzzer that reads only JSON Schema (which knows no `format`) sends what
//! the server reads, and a `u64` is not taken for an `int64`.
//!
//! utoipa (with `non_strict_integers`, which qh turns on) names `u8`,
//! `u16`, `i8`, `i16` and the unsigned fields of derived types by their
//! formats, but gives the primitive `u32` and `u64` (and `usize`) the
//! formats `int32` and `int64` with `minimum: 0`; those are read here as
//! the unsigned types they are.

use utoipa::openapi::schema::{KnownFormat, Object, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::OpenApi;
use utoipa::Number;

use super::walk;

/// Bounds every integer schema of `openapi`.
pub(crate) fn apply(openapi: &mut OpenApi) {
    walk::schemas(openapi, &mut |schema| {
        if let Schema::Object(object) = schema {
            integer(object);
        }
    });
}

fn is_integer(object: &Object) -> bool {
    match &object.schema_type {
        SchemaType::Type(Type::Integer) => true,
        SchemaType::Array(types) => types.contains(&Type::Integer),
        _ => false,
    }
}

fn integer(object: &mut Object) {
    if !is_integer(object) {
        return;
    }
    let unsigned = matches!(object.minimum, Some(Number::Int(0) | Number::UInt(0)));
    let name = match &object.format {
        Some(SchemaFormat::KnownFormat(format)) => match format {
            KnownFormat::Int8 => "int8",
            KnownFormat::Int16 => "int16",
            KnownFormat::UInt8 => "uint8",
            KnownFormat::UInt16 => "uint16",
            KnownFormat::UInt32 => "uint32",
            KnownFormat::UInt64 => "uint64",
            // A user's `minimum` above 0 says nothing of signedness: kept.
            KnownFormat::Int32 if unsigned => "uint32",
            KnownFormat::Int64 if unsigned => "uint64",
            KnownFormat::Int32 => "int32",
            KnownFormat::Int64 => "int64",
            _ => return,
        },
        // Already written out (a merged document, a second pass).
        Some(SchemaFormat::Custom(name)) => match name.as_str() {
            "int8" => "int8",
            "int16" => "int16",
            "uint8" => "uint8",
            "uint16" => "uint16",
            "uint32" => "uint32",
            "uint64" => "uint64",
            _ => return,
        },
        None => return,
    };
    let (format, min, max) = match name {
        "int8" => (custom(name), int(i8::MIN), int(i8::MAX)),
        "int16" => (custom(name), int(i16::MIN), int(i16::MAX)),
        "uint8" => (custom(name), uint(0u8), uint(u8::MAX)),
        "uint16" => (custom(name), uint(0u8), uint(u16::MAX)),
        "uint32" => (custom(name), uint(0u8), uint(u32::MAX)),
        "uint64" => (custom(name), uint(0u8), uint(u64::MAX)),
        "int32" => (known(KnownFormat::Int32), int(i32::MIN), int(i32::MAX)),
        _ => (known(KnownFormat::Int64), int(i64::MIN), int(i64::MAX)),
    };
    object.format = Some(format);
    // A bound the user wrote (`#[schema(maximum = 10)]`) is kept.
    object.minimum.get_or_insert(min);
    object.maximum.get_or_insert(max);
}

/// The formats of the OpenAPI format registry utoipa 6 misspells
/// (`UInt64` is written `u-int64`): as text.
fn custom(name: &str) -> SchemaFormat {
    SchemaFormat::Custom(name.to_owned())
}

fn known(format: KnownFormat) -> SchemaFormat {
    SchemaFormat::KnownFormat(format)
}

fn int(value: impl Into<i64>) -> Number {
    let value = value.into();
    // `isize` is 64 bits wherever qh runs a server; saturate elsewhere.
    Number::Int(isize::try_from(value).unwrap_or(if value < 0 { isize::MIN } else { isize::MAX }))
}

fn uint(value: impl Into<u64>) -> Number {
    Number::UInt(usize::try_from(value.into()).unwrap_or(usize::MAX))
}
