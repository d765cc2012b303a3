//! JSON text for an answer's body: every JSON answer qh makes (values,
//! problems) is written by [`json_bytes`].

use bytes::Bytes;

/// How many bytes of JSON are written on the stack before they move to
/// the heap (see [`json_bytes`]).
const ON_STACK: usize = 256;

/// `value` as JSON text, in one pass. Written into a `Vec`
/// (`serde_json::to_vec`), the text would sit in a larger buffer, which
/// `Bytes` keeps only with a second allocation to count its owners: an
/// answer that fits on the stack (most do) is written there and copied
/// once into a block of its size; a longer one moves to a `Vec` as it
/// outgrows the stack and is kept as `to_vec` would keep it.
pub(crate) fn json_bytes<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<Bytes> {
    let mut text = Text {
        stack: [0; ON_STACK],
        len: 0,
        heap: None,
    };
    serde_json::to_writer(&mut text, value)?;
    Ok(match text.heap {
        Some(heap) => Bytes::from(heap),
        None => Bytes::copy_from_slice(&text.stack[..text.len]),
    })
}

/// [`json_bytes`]'s writer: the stack's bytes, then the heap's.
struct Text {
    stack: [u8; ON_STACK],
    len: usize,
    heap: Option<Vec<u8>>,
}

impl std::io::Write for Text {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Some(heap) = &mut self.heap {
            heap.extend_from_slice(bytes);
        } else if let Some(room) = self.stack.get_mut(self.len..self.len + bytes.len()) {
            room.copy_from_slice(bytes);
            self.len += bytes.len();
        } else {
            let mut heap = Vec::with_capacity(2 * (self.len + bytes.len()));
            heap.extend_from_slice(&self.stack[..self.len]);
            heap.extend_from_slice(bytes);
            self.heap = Some(heap);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Every length around the stack's size, and one far past it, is
    /// written whole, as `serde_json` writes it.
    #[test]
    fn answers_of_any_length_are_the_json_text() {
        for len in [
            0,
            1,
            200,
            ON_STACK - 3,
            ON_STACK - 2,
            ON_STACK - 1,
            ON_STACK,
            5_000,
        ] {
            // A string of `len` letters is `len + 2` bytes of JSON.
            let value = "x".repeat(len);
            let bytes = json_bytes(&value).unwrap();
            assert_eq!(
                &bytes[..],
                &serde_json::to_vec(&value).unwrap()[..],
                "{len}"
            );
        }
    }

    #[test]
    fn a_value_that_cannot_be_json_is_an_error() {
        // JSON keys are strings: a map keyed by pairs cannot be written.
        let value = BTreeMap::from([((1, 2), "a")]);
        assert!(json_bytes(&value).is_err());
        // The same past the stack's size: the text has moved to the heap
        // when the map is reached.
        let value = ("x".repeat(2 * ON_STACK), BTreeMap::from([((1, 2), "a")]));
        let error = json_bytes(&value).unwrap_err();
        assert!(!error.is_io(), "{error}");
        assert!(
            error.to_string().contains("key must be a string"),
            "{error}"
        );
    }

    /// Each value is serialized once, whatever its length (a value read
    /// through a cell or an iterator can be read only once).
    #[test]
    fn a_long_answer_is_serialized_once() {
        struct Once(std::cell::Cell<Option<String>>);
        impl serde::Serialize for Once {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0.take().unwrap_or_default())
            }
        }
        let text = "y".repeat(3 * ON_STACK);
        let bytes = json_bytes(&Once(std::cell::Cell::new(Some(text.clone())))).unwrap();
        assert_eq!(&bytes[..], serde_json::to_vec(&text).unwrap().as_slice());
    }
}
