//! `tracestate` parsing: the list rules of W3C Trace Context §3.3 and qh's
//! bounds.

use proptest::prelude::*;
use qh::trace_context::{TraceState, MAX_TRACESTATE_LEN, MAX_TRACESTATE_MEMBERS};

/// `lcalpha`, digits and `_ - * /`: what follows a key's first character.
fn key_rest(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || b"_-*/".contains(&c)
}

/// `simple-key` (lcalpha, then up to 255 more) or `tenant@system` (lcalpha
/// or digit, up to 240 more; `@`; lcalpha, up to 13 more).
fn valid_key(key: &[u8]) -> bool {
    let ats = key.iter().filter(|&&c| c == b'@').count();
    match ats {
        0 => {
            matches!(key.first(), Some(c) if c.is_ascii_lowercase())
                && key.len() <= 256
                && key[1..].iter().all(|&c| key_rest(c))
        }
        1 => {
            let at = key.iter().position(|&c| c == b'@').unwrap();
            let (tenant, system) = (&key[..at], &key[at + 1..]);
            matches!(tenant.first(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
                && tenant.len() <= 241
                && tenant[1..].iter().all(|&c| key_rest(c))
                && matches!(system.first(), Some(c) if c.is_ascii_lowercase())
                && system.len() <= 14
                && system[1..].iter().all(|&c| key_rest(c))
        }
        _ => false,
    }
}

/// Up to 256 of `%x20-2B / %x2D-3C / %x3E-7E`, the last not a space.
fn valid_value(value: &[u8]) -> bool {
    let chr = |c: &u8| matches!(c, 0x20..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e);
    (1..=256).contains(&value.len()) && value.iter().all(chr) && value.last() != Some(&b' ')
}

/// The normalised list (members joined by `,`) qh keeps for these header
/// lines, or `None` when the whole state is dropped: a malformed member, a
/// duplicate key, more than 32 members or 512 bytes, or nothing at all.
pub fn reference(lines: &[&[u8]]) -> Option<String> {
    let mut members: Vec<(&[u8], &[u8])> = Vec::new();
    for line in lines {
        if !line
            .iter()
            .all(|&c| c == b'\t' || (0x20..=0x7e).contains(&c))
        {
            return None;
        }
        for member in line.split(|&c| c == b',') {
            let start = member.iter().position(|&c| c != b' ' && c != b'\t');
            let Some(start) = start else { continue };
            let end = member
                .iter()
                .rposition(|&c| c != b' ' && c != b'\t')
                .unwrap();
            let member = &member[start..=end];
            let eq = member.iter().position(|&c| c == b'=')?;
            let (key, value) = (&member[..eq], &member[eq + 1..]);
            if !valid_key(key) || !valid_value(value) || members.iter().any(|(k, _)| *k == key) {
                return None;
            }
            members.push((key, value));
        }
    }
    let joined = members
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                String::from_utf8_lossy(k),
                String::from_utf8_lossy(v)
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    let within = members.len() <= MAX_TRACESTATE_MEMBERS && joined.len() <= MAX_TRACESTATE_LEN;
    (!members.is_empty() && within).then_some(joined)
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
const KEY_FIRST_TENANT: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// `chr` without the space: what a value is made of.
const VALUE: &[u8] = b"!\"#$%&'()*+-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (run(LOWER, 1..=1), run(KEY_REST, 0..=8)).prop_map(|(a, b)| a + &b),
        2 => (run(KEY_FIRST_TENANT, 1..=1), run(KEY_REST, 0..=6), run(LOWER, 1..=1), run(KEY_REST, 0..=4))
            .prop_map(|(a, b, c, d)| format!("{a}{b}@{c}{d}")),
        2 => run(LOWER, 254..=258),
        2 => (run(LOWER, 239..=243), run(LOWER, 12..=16)).prop_map(|(t, s)| format!("{t}@{s}")),
        1 => run(b"ABCXYZabc019@ _-", 0..=6),
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
    ]
}

/// One to three header lines of members, with blanks and empty members
/// between them, sometimes a repeated key, sometimes over the bounds.
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
