//! Reading parameters out of a request: headers, the tracking ID, and the
//! fields of the JSON body, the query string and the path.

mod body;
mod body_error;
mod fields;
mod header;
pub(crate) mod integral;
mod params;
mod query;
mod rejection;
mod repeat;
mod request_id;
mod url;

pub use body::read_json_body;
pub use fields::{body_fields, path_fields, query_fields, Fields};
pub use header::FromHeader;
#[doc(hidden)]
pub use params::{BodyField, ExtractParam, HeaderParam, UrlField, WholeBody};
#[doc(hidden)]
pub use query::query_struct;
pub use rejection::{path_params, rejection};
pub use repeat::{Repeat, RepeatCollection, RepeatNone, RepeatOption};
pub use request_id::FromRequestId;

/// How a flag reads in a header or the URL: one rule everywhere (headers,
/// query and path parameters, `X-Async`, `?async=`, `?wait=`): `true`,
/// `1`, `yes`, `on` and `false`, `0`, `no`, `off`, in any case, whitespace
/// around the word ignored as it is around numbers (`str::trim`). Text that
/// is not UTF-8 is neither.
#[must_use]
pub fn parse_bool(text: &[u8]) -> Option<bool> {
    const TRUE: [&str; 4] = ["true", "1", "yes", "on"];
    const FALSE: [&str; 4] = ["false", "0", "no", "off"];
    let word = std::str::from_utf8(text).ok()?.trim();
    let is = |words: [&str; 4]| words.iter().any(|w| w.eq_ignore_ascii_case(word));
    if is(TRUE) {
        Some(true)
    } else if is(FALSE) {
        Some(false)
    } else {
        None
    }
}

/// What a client is told when a flag is neither.
pub(crate) const BOOL_EXPECTED: &str =
    "expected `true` or `false` (also `1`/`0`, `yes`/`no`, `on`/`off`)";

#[cfg(test)]
mod tests {
    use super::parse_bool;

    #[test]
    fn one_rule_for_flags() {
        for t in ["true", "TRUE", "1", "yes", "Yes", "on"] {
            assert_eq!(parse_bool(t.as_bytes()), Some(true), "{t}");
        }
        for f in ["false", "False", "0", "no", "NO", "off"] {
            assert_eq!(parse_bool(f.as_bytes()), Some(false), "{f}");
        }
        for x in ["", " ", "2", "y", "truee", "t rue", "\u{a0}"] {
            assert_eq!(parse_bool(x.as_bytes()), None, "{x}");
        }
        // Blanks around the word, as around numbers.
        assert_eq!(parse_bool(b" true\t"), Some(true));
        assert_eq!(parse_bool("\u{a0}off".as_bytes()), Some(false));
        assert_eq!(parse_bool(b"\xfftrue"), None);
    }
}
