//! Bounding client-controlled text before it is echoed or logged.

use std::borrow::Cow;

/// How many bytes of client input an error detail or a log field repeats.
pub(crate) const ECHO_LIMIT: usize = 256;

/// `text` cut to at most `max` bytes (on a character boundary), marked as
/// cut when it was.
pub(crate) fn cut(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}… ({} bytes, cut)", &text[..end], text.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_on_a_char_boundary() {
        assert_eq!(cut("short", 10), "short");
        let long = "é".repeat(300);
        let out = cut(&long, 11);
        assert!(out.starts_with("ééééé…"), "{out}");
        assert!(out.ends_with("(600 bytes, cut)"), "{out}");
        assert!(out.len() < 40);
    }
}
