//! Token streams: a vocabulary of the grammars' tokens, random streams of
//! it, edits of valid inputs, and text from character classes.

use std::ops::RangeInclusive;
use std::str::FromStr;

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use proptest::prelude::*;
use proptest::sample::Index;

/// One character of `set`, written as the inside of a regex class
/// (`"A-Za-z0-9-"`: ranges, a `-` last is itself).
pub fn class(set: &str) -> impl Strategy<Value = char> {
    let c: Vec<char> = set.chars().collect();
    let mut chars = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if i + 2 < c.len() && c[i + 1] == '-' {
            chars.extend(c[i]..=c[i + 2]);
            i += 3;
        } else {
            chars.push(c[i]);
            i += 1;
        }
    }
    prop::sample::select(chars)
}

/// `len` characters of `chars`: what a regex strategy such as
/// `"[a-z]{0,6}"` makes, without walking the regex for every value (that
/// was most of a header-name case; `\PC{0,3}` alone took 70 µs).
pub fn text(
    chars: impl Strategy<Value = char>,
    len: RangeInclusive<usize>,
) -> impl Strategy<Value = String> {
    prop::collection::vec(chars, len).prop_map(|chars| chars.into_iter().collect())
}

/// Tokens the macros' grammars are made of, and some they are not.
const LEAVES: &[&str] = &[
    // the options, attributes and keywords they read
    "method",
    "path",
    "task",
    "crate",
    "header",
    "query",
    "body",
    "extract",
    "request_id",
    "default",
    "flatten",
    "name",
    "cfg",
    "cfg_attr",
    "doc",
    "qh",
    "r#type",
    "self",
    "fn",
    "async",
    "struct",
    "enum",
    "pub",
    "mut",
    "_",
    "x",
    "String",
    "Option",
    "u64",
    "RequestId",
    // punctuation
    "=",
    ",",
    ":",
    "::",
    "#",
    "!",
    "-",
    "->",
    "<",
    ">",
    "&",
    "*",
    "@",
    ".",
    ";",
    "'a",
    "/",
    "?",
    // literals
    "\"GET\"",
    "\"get\"",
    "\"BREW\"",
    "\"/users/{id}\"",
    "\"/{a}/{*rest}\"",
    "\"/x/:id\"",
    "\"optional\"",
    "\"always\"",
    "\"X-Tenant\"",
    "\"x tenant\"",
    "\"\"",
    "\"my_qh\"",
    "\"é\"",
    "\"{\"",
    "\"GET\"sfx",
    "r\"/raw\"",
    "b\"GET\"",
    "'c'",
    "1",
    "20u8",
    "-1",
    "1.5",
    "true",
];

/// One token of [`LEAVES`], each lexed once, when the strategy is built.
pub fn leaf() -> impl Strategy<Value = TokenTree> {
    let leaves: Vec<TokenTree> = LEAVES
        .iter()
        .map(|text| {
            let stream = TokenStream::from_str(text).expect("every leaf lexes");
            stream.into_iter().next().expect("every leaf is one token")
        })
        .collect();
    prop::sample::select(leaves)
}

fn delimiter() -> impl Strategy<Value = Delimiter> {
    prop_oneof![
        4 => Just(Delimiter::Parenthesis),
        1 => Just(Delimiter::Bracket),
        1 => Just(Delimiter::Brace),
        1 => Just(Delimiter::None),
    ]
}

/// Random token streams of the vocabulary, groups nested three deep.
pub fn random_stream() -> impl Strategy<Value = TokenStream> {
    let tree = leaf().prop_recursive(3, 24, 6, |inner| {
        (delimiter(), prop::collection::vec(inner, 0..6))
            .prop_map(|(d, trees)| TokenTree::Group(Group::new(d, trees.into_iter().collect())))
    });
    prop::collection::vec(tree, 0..10).prop_map(|trees| trees.into_iter().collect())
}

/// One edit of a token stream, at a position chosen among all its tokens
/// (inside groups too).
#[derive(Debug, Clone)]
pub struct Edit {
    at: Index,
    kind: EditKind,
}

#[derive(Debug, Clone)]
enum EditKind {
    Delete,
    Insert(TokenTree),
    Replace(TokenTree),
    Duplicate,
    SwapNext,
    Delimiter(Delimiter),
    Unwrap,
}

fn edit() -> impl Strategy<Value = Edit> {
    let kind = prop_oneof![
        3 => Just(EditKind::Delete),
        3 => leaf().prop_map(EditKind::Insert),
        3 => leaf().prop_map(EditKind::Replace),
        1 => Just(EditKind::Duplicate),
        1 => Just(EditKind::SwapNext),
        1 => delimiter().prop_map(EditKind::Delimiter),
        1 => Just(EditKind::Unwrap),
    ];
    (any::<Index>(), kind).prop_map(|(at, kind)| Edit { at, kind })
}

/// One of `valid` (each lexed once) with one to four edits.
pub fn mutated(valid: &'static [&'static str]) -> impl Strategy<Value = TokenStream> {
    let valid: Vec<TokenStream> = valid
        .iter()
        .map(|s| TokenStream::from_str(s).expect("every valid example lexes"))
        .collect();
    let base = prop::sample::select(valid);
    (base, prop::collection::vec(edit(), 1..=4)).prop_map(|(mut stream, edits)| {
        for e in edits {
            let mut target = e.at.index(count(&stream) + 1);
            stream = edit_at(stream, &mut target, &e.kind);
        }
        stream
    })
}

/// How many tokens `stream` has, counting into groups.
fn count(stream: &TokenStream) -> usize {
    stream
        .clone()
        .into_iter()
        .map(|t| match &t {
            TokenTree::Group(g) => 1 + count(&g.stream()),
            _ => 1,
        })
        .sum()
}

/// Applies `kind` at the `target`-th token (depth first), counting it down.
fn edit_at(stream: TokenStream, target: &mut usize, kind: &EditKind) -> TokenStream {
    let mut trees: Vec<TokenTree> = stream.into_iter().collect();
    let mut i = 0;
    loop {
        if *target == 0 {
            *target = usize::MAX;
            match kind {
                EditKind::Insert(t) => trees.insert(i, t.clone()),
                _ if i == trees.len() => {}
                EditKind::Delete => drop(trees.remove(i)),
                EditKind::Replace(t) => trees[i] = t.clone(),
                EditKind::Duplicate => trees.insert(i, trees[i].clone()),
                EditKind::SwapNext if i + 1 < trees.len() => trees.swap(i, i + 1),
                EditKind::SwapNext => {}
                EditKind::Delimiter(d) => {
                    if let TokenTree::Group(g) = &trees[i] {
                        trees[i] = TokenTree::Group(Group::new(*d, g.stream()));
                    }
                }
                EditKind::Unwrap => {
                    if let TokenTree::Group(g) = trees[i].clone() {
                        trees.splice(i..=i, g.stream());
                    }
                }
            }
            break;
        }
        if i == trees.len() || *target == usize::MAX {
            break;
        }
        *target -= 1;
        if let TokenTree::Group(g) = &trees[i] {
            let inner = edit_at(g.stream(), target, kind);
            let mut group = Group::new(g.delimiter(), inner);
            group.set_span(g.span());
            trees[i] = TokenTree::Group(group);
        }
        i += 1;
    }
    trees.into_iter().collect()
}

#[test]
fn edits_reach_tokens_inside_groups() {
    let stream = TokenStream::from_str("a (b [c])").unwrap();
    // a=0, (…)=1, b=2, […]=3, c=4
    let mut target = 4;
    let out = edit_at(stream.clone(), &mut target, &EditKind::Delete);
    assert_eq!(out.to_string(), "a (b [])");
    let mut target = 3;
    let out = edit_at(stream, &mut target, &EditKind::Unwrap);
    assert_eq!(out.to_string(), "a (b c)");
}

#[test]
fn classes_read_like_regex_classes() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = text(class("a-c_-"), 200..=200);
    let drawn = strategy.new_tree(&mut runner).unwrap().current();
    let mut seen: Vec<char> = drawn.chars().collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, ['-', '_', 'a', 'b', 'c']);
}
