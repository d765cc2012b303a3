//! Finding one header line by name: a walk of a small map, else http's
//! hashed lookup.

use http::{HeaderMap, HeaderName, HeaderValue};

/// Up to this many lines a walk comparing names costs less than hashing
/// the name: http hashes a custom name (`x-request-id`, `traceparent`)
/// byte by byte before it probes, ~150–200 instructions a lookup, where a
/// walk costs ~14 a line; they break even at 12 to 13 lines
/// (benches/README.md, "Header lookups").
const WALK_UP_TO: usize = 12;

/// The value of `name` when the request has exactly one such line: several
/// lines mean `a, b` (RFC 9110 §5.3), which is not one value.
#[inline]
pub(crate) fn single<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a HeaderValue> {
    if headers.len() == headers.keys_len() {
        // No name has a second line (the usual request): the first line
        // found is the only one.
        return first(headers, name);
    }
    let mut values = headers.get_all(name).iter();
    let value = values.next()?;
    values.next().is_none().then_some(value)
}

/// The first line of `name`, as [`HeaderMap::get`] answers, found by a
/// walk in a small map (a standard name hashes faster than a custom one,
/// but a walk of a few lines is cheaper still).
#[inline]
pub(crate) fn first<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a HeaderValue> {
    if headers.len() <= WALK_UP_TO {
        return headers
            .iter()
            .find_map(|(line, value)| (line == name).then_some(value));
    }
    headers.get(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: HeaderName = HeaderName::from_static("x-request-id");

    /// A map of `lines` distinct lines with `name: value` at `at`; the
    /// fillers mix standard names with custom ones, one of them as long
    /// as `x-request-id` and one byte off it.
    fn map(lines: usize, at: Option<usize>) -> HeaderMap {
        const STANDARD: [HeaderName; 3] = [
            http::header::ACCEPT,
            http::header::HOST,
            http::header::COOKIE,
        ];
        let mut headers = HeaderMap::new();
        for i in 0..lines {
            let name = if Some(i) == at {
                NAME
            } else if i == 1 {
                HeaderName::from_static("x-request-ie")
            } else if i % 4 == 3 && i / 4 < STANDARD.len() {
                STANDARD[i / 4].clone()
            } else {
                HeaderName::try_from(format!("x-filler-{i}")).unwrap()
            };
            let value = if Some(i) == at { "id-1" } else { "f" };
            headers.insert(name, HeaderValue::from_static(value));
        }
        assert_eq!(headers.len(), lines, "the map has its lines");
        headers
    }

    #[test]
    fn walked_and_hashed_maps_answer_alike() {
        // Either side of WALK_UP_TO, the line anywhere or absent.
        for lines in [0, 1, 2, 3, WALK_UP_TO - 1, WALK_UP_TO, WALK_UP_TO + 1, 40] {
            for at in [
                None,
                Some(0),
                Some(1),
                Some(lines / 2),
                lines.checked_sub(1),
            ] {
                let at = at.filter(|&at| at < lines);
                let headers = map(lines, at);
                let found = at.map(|_| "id-1");
                assert_eq!(
                    single(&headers, &NAME).map(|v| v.to_str().unwrap()),
                    found,
                    "{lines} lines, at {at:?}",
                );
                assert_eq!(
                    single(&headers, &NAME),
                    headers.get(&NAME),
                    "{lines}, {at:?}"
                );
                assert_eq!(
                    first(&headers, &NAME),
                    headers.get(&NAME),
                    "{lines}, {at:?}"
                );
                // A standard name among them, as `get` finds it.
                assert_eq!(
                    first(&headers, &http::header::HOST),
                    headers.get(http::header::HOST),
                    "{lines}, {at:?}"
                );
            }
        }
    }

    #[test]
    fn the_first_of_two_lines_is_the_first_value() {
        for lines in [1, WALK_UP_TO - 1, WALK_UP_TO + 3] {
            let mut headers = map(lines, Some(0));
            headers.append(NAME, HeaderValue::from_static("id-2"));
            assert_eq!(first(&headers, &NAME).unwrap(), "id-1", "{lines}");
            assert_eq!(first(&headers, &NAME), headers.get(&NAME), "{lines}");
        }
    }

    #[test]
    fn a_name_with_two_lines_has_no_single_value() {
        for lines in [1, WALK_UP_TO + 3] {
            let mut headers = map(lines, Some(0));
            headers.append(NAME, HeaderValue::from_static("id-2"));
            assert_eq!(single(&headers, &NAME), None, "{lines}");
            // Another name's repeats leave this one's single line readable.
            let mut headers = map(lines, Some(0));
            headers.append(http::header::ACCEPT, HeaderValue::from_static("a"));
            headers.append(http::header::ACCEPT, HeaderValue::from_static("b"));
            assert_eq!(single(&headers, &NAME).unwrap(), "id-1", "{lines}");
        }
    }
}
