//! Writing JSON straight into `tracing-subscriber`'s line buffer: strings
//! escaped as they are written, no intermediate `String` or `serde_json::Value`.

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};

/// Writes a JSON string literal (quotes included).
pub(crate) fn string(w: &mut dyn Write, s: &str) -> fmt::Result {
    w.write_char('"')?;
    Escape(w).write_str(s)?;
    w.write_char('"')
}

/// Writes `"key":` (keys are field names: Rust identifiers, or strings a
/// user chose, so they are escaped too).
pub(crate) fn key(w: &mut dyn Write, k: &str) -> fmt::Result {
    string(w, k)?;
    w.write_char(':')
}

/// A writer that JSON-escapes everything written through it, so `Debug`
/// and `Display` output can be streamed into a string literal.
pub(crate) struct Escape<'a>(pub(crate) &'a mut dyn Write);

impl Write for Escape<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut start = 0;
        for (i, b) in s.bytes().enumerate() {
            let esc: &str = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..=0x1f => "",
                _ => continue,
            };
            self.0.write_str(&s[start..i])?;
            if esc.is_empty() {
                write!(self.0, "\\u{b:04x}")?;
            } else {
                self.0.write_str(esc)?;
            }
            start = i + 1;
        }
        self.0.write_str(&s[start..])
    }
}

/// Passes on at most `left` bytes (cut at a character boundary) and counts
/// the rest, so one huge value cannot make a huge line.
struct Capped<'a> {
    w: &'a mut dyn Write,
    left: usize,
    cut: usize,
}

impl Write for Capped<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if s.len() <= self.left {
            self.left -= s.len();
            return self.w.write_str(s);
        }
        let mut end = self.left;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.left = 0;
        self.cut += s.len() - end;
        self.w.write_str(&s[..end])
    }
}

/// Writes `value` as a JSON string literal of at most `limit` bytes of
/// text; a longer one is cut and says by how much: `"abc… [+12345 bytes]"`.
fn capped_string(
    w: &mut dyn Write,
    limit: usize,
    value: impl FnOnce(&mut dyn Write) -> fmt::Result,
) -> fmt::Result {
    w.write_char('"')?;
    let mut escaped = Escape(w);
    let mut capped = Capped {
        w: &mut escaped,
        left: limit,
        cut: 0,
    };
    value(&mut capped)?;
    let cut = capped.cut;
    if cut > 0 {
        write!(w, "… [+{cut} bytes]")?;
    }
    w.write_char('"')
}

/// Records an event's fields as the members of a JSON object (the caller
/// writes the braces), each text value cut to `limit` bytes. The first
/// error is kept and reported by `finish`.
pub(crate) struct Fields<'a> {
    w: &'a mut dyn Write,
    first: bool,
    limit: usize,
    result: fmt::Result,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(w: &'a mut dyn Write, limit: usize) -> Self {
        Self {
            w,
            first: true,
            limit,
            result: Ok(()),
        }
    }

    pub(crate) fn finish(self) -> fmt::Result {
        self.result
    }

    fn member(&mut self, field: &Field, value: impl FnOnce(&mut dyn Write) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        let name = field.name();
        // `tracing` names `log` records' metadata `log.*`; fmt's own JSON
        // output skips them too.
        if name.starts_with("log.") {
            return;
        }
        self.result = (|| {
            if !self.first {
                self.w.write_char(',')?;
            }
            self.first = false;
            key(self.w, name)?;
            value(self.w)
        })();
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let limit = self.limit;
        self.member(field, |w| capped_string(w, limit, |w| w.write_str(value)));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.member(field, |w| w.write_str(if value { "true" } else { "false" }));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.member(field, |w| write!(w, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.member(field, |w| write!(w, "{value}"));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.member(field, |w| write!(w, "{value}"));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.member(field, |w| write!(w, "{value}"));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinities: those go out as strings.
        self.member(field, |w| {
            if value.is_finite() {
                write!(w, "{value}")
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
