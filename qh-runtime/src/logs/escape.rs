//! JSON string escaping: `"`, `\` and control bytes, the rest of the text
//! as it is. Every string of every log line passes through here, so text
//! with nothing to escape (nearly all) is told in one branch-free pass.

use std::fmt::{self, Write};

/// Writes `s` JSON-escaped, without quotes. Always inlined: a call per
/// string would cost more than the common case's check and copy.
#[inline(always)]
pub(super) fn escape(w: &mut String, s: &str) -> fmt::Result {
    let bytes = s.as_bytes();
    if plain(bytes) {
        w.write_str(s)
    } else {
        escape_each(w, s)
    }
}

/// [`escape`] of text with something to escape: each such byte is
/// written escaped, the runs between as they are.
#[cold]
#[inline(never)]
fn escape_each(w: &mut String, s: &str) -> fmt::Result {
    let bytes = s.as_bytes();
    let mut start = 0;
    while let Some(i) = next_escape(bytes, start) {
        w.write_str(&s[start..i])?;
        match bytes[i] {
            b'"' => w.write_str("\\\"")?,
            b'\\' => w.write_str("\\\\")?,
            b'\n' => w.write_str("\\n")?,
            b'\r' => w.write_str("\\r")?,
            b'\t' => w.write_str("\\t")?,
            b => write!(w, "\\u{b:04x}")?,
        }
        start = i + 1;
    }
    w.write_str(&s[start..])
}

/// The index of the first byte at or after `from` that a JSON string must
/// escape (`"`, `\`, a control byte below 0x20), if any: for
/// [`escape_each`], on text known to hold one. It skips words in which
/// [`word_hits`] flags nothing.
#[inline]
fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut words = rest.chunks_exact(8);
    let mut at = from;
    for word in &mut words {
        if word_hits(word) != 0 {
            // The first flagged lane's word is searched exactly.
            return word.iter().position(|&b| escaped(b)).map(|i| at + i);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| escaped(b))
        .map(|i| at + i)
}

/// Whether JSON escapes any byte of `s`.
pub(super) fn needs_escape(s: &str) -> bool {
    !plain(s.as_bytes())
}

/// Whether no byte of `bytes` needs escaping, as most text's: one pass
/// without early exits, a word of eight bytes at a time (the last word
/// overlapping the one before), a string shorter than a word by a table.
#[inline]
fn plain(bytes: &[u8]) -> bool {
    if bytes.len() < 8 {
        return !bytes
            .iter()
            .fold(false, |any, &b| any | ESCAPED[usize::from(b)]);
    }
    let mut words = bytes.chunks_exact(8);
    let mut hits = 0;
    for word in &mut words {
        hits |= word_hits(word);
    }
    if !words.remainder().is_empty() {
        hits |= word_hits(&bytes[bytes.len() - 8..]);
    }
    hits == 0
}

/// The high bit of each byte of an eight-byte `word` that may need
/// escaping: a lane below 0x20, or zero after XOR with `"` or `\`
/// repeated (the classic has-less-than and has-zero-byte bit tests; bytes
/// of 0x80 and above never match). None is set when no byte needs
/// escaping: a borrow only starts at a byte that does, and runs towards
/// the word's high end (later bytes on little-endian machines, earlier on
/// big-endian ones), so callers only ask whether any bit is set.
#[inline]
fn word_hits(word: &[u8]) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut lanes = [0; 8];
    lanes.copy_from_slice(word);
    let x = u64::from_ne_bytes(lanes);
    let quote = x ^ (ONES * u64::from(b'"'));
    let slash = x ^ (ONES * u64::from(b'\\'));
    (x.wrapping_sub(ONES * 0x20) | quote.wrapping_sub(ONES) | slash.wrapping_sub(ONES)) & !x & HIGHS
}

/// [`escaped`] for every byte.
static ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < table.len() {
        #[allow(clippy::cast_possible_truncation)] // below 256
        {
            table[b] = escaped(b as u8);
        }
        b += 1;
    }
    table
};

/// Whether JSON escapes the byte `b` in a string: `"`, `\\`, and control
/// bytes below 0x20.
#[inline]
const fn escaped(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_scan_finds_every_byte_to_escape_and_no_other() {
        // Every byte value, at every position of strings longer than a word,
        // beside multi-byte characters: the fast scan agrees with a plain
        // byte loop.
        for b in 0..=0x7f_u8 {
            for at in 0..20 {
                let mut text = "é…abcdefghijklmnop".to_owned();
                if !text.is_char_boundary(at) {
                    continue;
                }
                text.insert(at, char::from(b));
                let bytes = text.as_bytes();
                for from in 0..bytes.len() {
                    assert_eq!(
                        next_escape(bytes, from),
                        (from..bytes.len()).find(|&i| escaped(bytes[i])),
                        "{text:?} from {from}"
                    );
                }
            }
        }
        let mut out = String::new();
        out.push('"');
        escape(&mut out, "0123456789\"0123456789\u{1f}x").unwrap();
        out.push('"');
        assert_eq!(out, r#""0123456789\"0123456789\u001fx""#);
    }

    #[test]
    fn plain_text_is_told_from_text_to_escape_at_every_length_and_place() {
        // Every byte value at every position of strings of 1 to 40 bytes
        // (shorter than a word, whole words, an overlapping last word).
        for len in 1..=40 {
            for at in 0..len {
                for b in 0..=0xff_u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    assert_eq!(plain(&bytes), !escaped(b), "{b:#x} at {at} of {len}");
                }
            }
        }
        assert!(plain(b""));
        assert!(plain("é…ü".as_bytes()));
    }
}
