//! Arguments as URL text: the inverse of the server's URL deserializers
//! (`crate::extract::url`). A scalar is one value, `None` none, a sequence
//! one value per item (a repeated query key); a struct or map, at the top
//! of a `#[query(flatten)]` argument only, is its fields as keys.

use std::fmt;

use serde::ser::{self, Serialize};

mod pairs;
mod scalar;
mod values;

use pairs::Pairs;
use values::Values;

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

/// The error of a value no URL text can hold.
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
mod tests;
