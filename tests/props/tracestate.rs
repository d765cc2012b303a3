//! `tracestate` parsing: the list rules of W3C Trace Context Level 2 and
//! qh's bounds.

use proptest::prelude::*;
use qh::trace_context::{TraceState, MAX_TRACESTATE_LEN, MAX_TRACESTATE_MEMBERS};

/// Level 2's key: a lowercase letter or a digit, then up to 255 of
/// lowercase letters, digits and `_ - * / @`.
fn valid_key(key: &[u8]) -> bool {
    let first_ok = matches!(key.first(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok = key
        .iter()
        .skip(1)
        .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"_-*/@".contains(&c));
    first_ok && rest_ok && key.len() <= 256
}

/// Up to 256 of `%x20-2B / %x2D-3C / %x3E-7E`, the last not a space.
fn valid_value(value: &[u8]) -> bool {
    let chr = |c: &u8| matches!(c, 0x20..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e);
    (1..=256).contains(&value.len()) && value.iter().all(chr) && value.last() != Some(&b' ')
}

/// The normalised list (members joined by `,`) qh keeps for these header
/// lines, as its documentation states the rules; `None` when no member is
/// left.
///
/// Lines combine into one list; each member is stripped of the spaces and
/// tabs around it; an empty member is nothing; a member that is not
/// `key=value` with a valid key and value, or whose key came earlier, is
/// dropped alone. Of what is left, the first 32 are kept. Then, while the
/// joined list is over 512 bytes, a member goes: the right-most one longer
/// than 128 characters, else the right-most one.
pub fn reference(lines: &[&[u8]]) -> Option<String> {
    let mut members: Vec<(&[u8], &[u8])> = Vec::new();
    for line in lines {
        for member in line.split(|&c| c == b',') {
            let start = member.iter().position(|&c| c != b' ' && c != b'\t');
            let Some(start) = start else { continue };
            let end = member
                .iter()
                .rposition(|&c| c != b' ' && c != b'\t')
                .unwrap();
            let member = &member[start..=end];
            let Some(eq) = member.iter().position(|&c| c == b'=') else {
                continue;
            };
            let (key, value) = (&member[..eq], &member[eq + 1..]);
            if valid_key(key) && valid_value(value) && !members.iter().any(|(k, _)| *k == key) {
                members.push((key, value));
            }
        }
    }
    members.truncate(MAX_TRACESTATE_MEMBERS);
    let text = |(k, v): &(&[u8], &[u8])| {
        format!(
            "{}={}",
            String::from_utf8_lossy(k),
            String::from_utf8_lossy(v)
        )
    };
    let mut kept: Vec<String> = members.iter().map(text).collect();
    while kept.join(",").len() > MAX_TRACESTATE_LEN {
        match kept.iter().rposition(|m| m.len() > 128) {
            Some(long) => kept.remove(long),
            None => kept.pop().unwrap(),
        };
    }
    (!kept.is_empty()).then(|| kept.join(","))
}

/// `len` characters drawn from `chars`.
fn run(
    chars: &'static [u8],
    len: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(chars), len)
        .prop_map(|v| String::from_utf8(v).expect("ASCII"))
}

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const KEY_REST: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_-*/";
const KEY_FIRST: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// `chr` without the space: what a value is made of.
const VALUE: &[u8] = b"!\"#$%&'()*+-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (run(LOWER, 1..=1), run(KEY_REST, 0..=8)).prop_map(|(a, b)| a + &b),
        // Multi-tenant keys, Level 1's `tenant@system` and what Level 2
        // adds: a leading digit, an empty or long system, several `@`.
        2 => (run(KEY_FIRST, 1..=1), run(KEY_REST, 0..=6), run(KEY_REST, 0..=4))
            .prop_map(|(a, b, c)| format!("{a}{b}@{c}")),
        1 => (run(KEY_FIRST, 1..=1), run(b"ab@", 0..=6)).prop_map(|(a, b)| a + &b),
        2 => run(LOWER, 254..=258),
        2 => (run(LOWER, 239..=243), run(LOWER, 12..=16)).prop_map(|(t, s)| format!("{t}@{s}")),
        1 => (run(LOWER, 1..=2), run(LOWER, 250..=256)).prop_map(|(t, s)| format!("{t}@{s}")),
        1 => run(b"ABCXYZabc019@ _-.", 0..=6),
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => run(VALUE, 1..=12),
        1 => run(b" !,=~azAZ09\t", 0..=10),
        2 => run(LOWER, 254..=258),
        1 => (run(LOWER, 1..=1), run(b" ", 1..=2)).prop_map(|(a, b)| a + &b),
    ]
}

fn member() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => (key(), value()).prop_map(|(k, v)| format!("{k}={v}")),
        1 => run(b" !,=;azAZ09\t", 0..=8),
        // Bytes a header carries that are not ASCII.
        1 => (key(), run(b"az", 0..=2)).prop_map(|(k, v)| format!("{k}={v}\u{e9}")),
    ]
}

/// One to three header lines of members, with blanks and empty members
/// between them, sometimes a repeated key, sometimes over the bounds
/// (more than 32 members, more than 512 bytes).
pub fn tracestate_lines() -> impl Strategy<Value = Vec<String>> {
    let sep = prop_oneof![Just(","), Just(", "), Just(" ,\t"), Just(",,")];
    let count = prop_oneof![6 => 0usize..=4, 1 => 30usize..=34];
    let line = (
        count.prop_flat_map(|n| prop::collection::vec(member(), n)),
        sep,
    )
        .prop_map(|(members, sep)| members.join(sep));
    (prop::collection::vec(line, 1..=3), any::<bool>()).prop_map(|(mut lines, repeat)| {
        if repeat {
            // The first key again, later on.
            if let Some(first) = lines[0].split(',').next().map(str::to_owned) {
                lines.push(first);
            }
        }
        lines
    })
}

proptest! {
    #[test]
    fn tracestate_is_the_documented_language(lines in tracestate_lines()) {
        let parsed = TraceState::parse(lines.iter().map(String::as_str));
        let bytes: Vec<&[u8]> = lines.iter().map(String::as_bytes).collect();
        prop_assert_eq!(parsed.map(|s| s.as_str().to_owned()), reference(&bytes), "{:?}", lines);
    }
}
