//! Writing JSON into a line's `String` (see [`buffered`]): strings escaped
//! as they are written (`escape.rs`), no intermediate `serde_json::Value`,
//! bytes pushed directly rather than through a dynamic call per piece.

use std::cell::RefCell;
use std::fmt::{self, Write};

use tracing::field::{Field, Visit};

use super::escape::escape;

/// Writes a JSON string literal (quotes included).
#[inline]
pub(crate) fn string(w: &mut String, s: &str) -> fmt::Result {
    w.push('"');
    escape(w, s)?;
    w.push('"');
    Ok(())
}

/// Writes `"key":` (keys are field names: Rust identifiers, or strings a
/// user chose, so they are escaped too).
#[inline]
fn key(w: &mut String, k: &str) -> fmt::Result {
    w.push('"');
    escape(w, k)?;
    w.push_str("\":");
    Ok(())
}

thread_local! {
    /// The line being written by [`buffered`], kept between lines.
    static LINE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// A line of more than this keeps no buffer of its size for the next.
/// (`tracing-subscriber` copies the line into a per-thread buffer of its
/// own, which it keeps.)
const KEEP: usize = 64 * 1024;

/// Runs `write` on a `String` and hands what it wrote to `out` in one
/// piece. The string is a per-thread buffer reused from line to line (a
/// fresh one when a line is written while another is: a `Debug` impl that
/// logs).
pub(crate) fn buffered(
    out: &mut dyn Write,
    write: impl FnOnce(&mut String) -> fmt::Result,
) -> fmt::Result {
    LINE.with(|line| {
        let mut fresh = String::new();
        let mut kept = line.try_borrow_mut();
        let buf = match &mut kept {
            Ok(kept) => &mut **kept,
            Err(_) => &mut fresh,
        };
        buf.clear();
        let written = write(buf).and_then(|()| out.write_str(buf));
        if buf.capacity() > KEEP {
            *buf = String::new();
        }
        written
    })
}

/// Writes what is written through it JSON-escaped into a string literal
/// (`Debug` and `Display` output streamed), passing on at most `left`
/// bytes (cut at a character boundary) and counting the rest, so one huge
/// value cannot make a huge line.
struct Capped<'a> {
    w: &'a mut String,
    left: usize,
    cut: usize,
}

impl Write for Capped<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if s.len() <= self.left {
            self.left -= s.len();
            return escape(self.w, s);
        }
        let mut end = self.left;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.left = 0;
        self.cut += s.len() - end;
        escape(self.w, &s[..end])
    }
}

/// Writes `value` as a JSON string literal of at most `limit` bytes of
/// text; a longer one is cut and says by how much: `"abc… [+12345 bytes]"`.
fn capped_string(
    w: &mut String,
    limit: usize,
    value: impl FnOnce(&mut dyn Write) -> fmt::Result,
) -> fmt::Result {
    w.push('"');
    let mut capped = Capped {
        w: &mut *w,
        left: limit,
        cut: 0,
    };
    value(&mut capped)?;
    let cut = capped.cut;
    if cut > 0 {
        write!(w, "… [+{cut} bytes]")?;
    }
    w.push('"');
    Ok(())
}

/// Records an event's fields as the members of a JSON object (the caller
/// writes the braces), each text value cut to `limit` bytes. The first
/// error is kept and reported by `finish`.
pub(crate) struct Fields<'a> {
    w: &'a mut String,
    first: bool,
    limit: usize,
    result: fmt::Result,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(w: &'a mut String, limit: usize) -> Self {
        Self::after(w, limit, false)
    }

    /// Members written after `members` already there (a `,` before the
    /// first when there are).
    pub(crate) fn after(w: &'a mut String, limit: usize, members: bool) -> Self {
        Self {
            w,
            first: !members,
            limit,
            result: Ok(()),
        }
    }

    pub(crate) fn finish(self) -> fmt::Result {
        self.result
    }

    #[inline]
    fn member(&mut self, field: &Field, value: impl FnOnce(&mut String) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        let name = field.name();
        // `tracing` names `log` records' metadata `log.*`; fmt's own JSON
        // output skips them too.
        if name.starts_with("log.") {
            return;
        }
        if self.first {
            self.first = false;
        } else {
            self.w.push(',');
        }
        self.result = key(self.w, name).and_then(|()| value(self.w));
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let limit = self.limit;
        self.member(field, |w| {
            if value.len() <= limit {
                string(w, value)
            } else {
                capped_string(w, limit, |w| w.write_str(value))
            }
        });
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.member(field, |w| w.write_str(if value { "true" } else { "false" }));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.member(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.member(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.member(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.member(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinities: those go out as strings.
        self.member(field, |w| {
            if value.is_finite() {
                w.write_str(zmij::Buffer::new().format_finite(value))
            } else {
                write!(w, "\"{value}\"")
            }
        });
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let limit = self.limit;
        self.member(field, |w| capped_string(w, limit, |w| write!(w, "{value}")));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let limit = self.limit;
        self.member(field, |w| {
            capped_string(w, limit, |w| write!(w, "{value:?}"))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_json_requires() {
        let mut out = String::new();
        string(&mut out, "a\"b\\c\nd\u{1}é").unwrap();
        assert_eq!(out, r#""a\"b\\c\nd\u0001é""#);
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "a\"b\\c\nd\u{1}é");
    }

    #[test]
    fn long_values_are_cut_at_a_character_and_say_by_how_much() {
        let mut out = String::new();
        capped_string(&mut out, 4, |w| w.write_str("abcé\"defg")).unwrap();
        // "abc" (é would cross the limit), then 7 bytes left out.
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "abc… [+7 bytes]");
        let mut short = String::new();
        capped_string(&mut short, 4, |w| w.write_str("a\"b")).unwrap();
        assert_eq!(short, r#""a\"b""#);
    }
}
