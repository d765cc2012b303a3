//! What the property tests share: the ID alphabets as the documentation
//! states them, byte strategies around their edges, and a runtime to drive
//! routers on.

use std::future::Future;

use proptest::prelude::*;

/// The default rule's alphabet, spelled out from the documentation
/// (`[A-Za-z0-9._~:+/=@-]`), not taken from qh.
pub fn in_default_alphabet(b: u8) -> bool {
    matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9')
        || matches!(
            b,
            b'.' | b'_' | b'~' | b':' | b'+' | b'/' | b'=' | b'@' | b'-'
        )
}

/// The default rule for incoming IDs: 1 to `max_len` bytes of the alphabet.
pub fn default_rule(value: &[u8], max_len: usize) -> bool {
    !value.is_empty() && value.len() <= max_len && value.iter().all(|&b| in_default_alphabet(b))
}

/// What a `RequestId` can hold: 1 to 1024 bytes of visible ASCII.
pub fn holdable(value: &[u8]) -> bool {
    (1..=1024).contains(&value.len()) && value.iter().all(|&b| (0x21..=0x7e).contains(&b))
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~:+/=@-";

/// Lengths around every documented bound: empty, short, 128, 1024.
fn edge_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        3 => 0usize..=40,
        2 => 124usize..=132,
        1 => 1020usize..=1028,
    ]
}

/// `len` bytes of `base`, then up to two of them replaced by `other`:
/// valid values of every length, and values one byte away from valid.
fn near(
    len: impl Strategy<Value = usize>,
    base: impl Strategy<Value = u8> + Clone,
    other: impl Strategy<Value = u8> + Clone,
) -> impl Strategy<Value = Vec<u8>> {
    let edits = prop::collection::vec((any::<prop::sample::Index>(), other), 0..=2);
    let edits = prop_oneof![Just(Vec::new()), edits];
    (
        len.prop_flat_map(move |n| prop::collection::vec(base.clone(), n)),
        edits,
    )
        .prop_map(|(mut bytes, edits)| {
            for (at, byte) in edits {
                if !bytes.is_empty() {
                    let i = at.index(bytes.len());
                    bytes[i] = byte;
                }
            }
            bytes
        })
}

/// ID-like bytes: the alphabet, with other visible ASCII or any byte in
/// places.
pub fn id_bytes() -> impl Strategy<Value = Vec<u8>> {
    let other = prop_oneof![0x21u8..=0x7e, any::<u8>()];
    prop_oneof![
        3 => near(edge_len(), prop::sample::select(ALPHABET), other.clone()),
        1 => near(edge_len(), 0x21u8..=0x7e, other),
    ]
}

/// Bytes a header value can carry (`\t`, visible ASCII and space,
/// obs-text), mostly ID-like, lengths around 128.
pub fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    let other = prop_oneof![0x20u8..=0x7e, 0x80u8..=0xff, Just(b'\t')];
    let len = prop_oneof![3 => 0usize..=12, 1 => 127usize..=129];
    near(len, prop::sample::select(ALPHABET), other)
}

/// Whether `s` is a UUID of `version` as qh generates them: 36 lowercase
/// hex digits and dashes, the version nibble, the RFC 4122 variant.
pub fn is_uuid(s: &str, version: u8) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
        && b[14] == b'0' + version
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
}

/// Runs `future` to completion on this test thread's runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    RUNTIME.with(|rt| rt.block_on(future))
}
