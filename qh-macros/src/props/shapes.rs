//! Well-shaped inputs with random insides: attributes, endpoint functions
//! and structs that rustc's parser lets through to the macro. Edits of
//! whole items mostly break them before any macro runs (of random
//! attribute lists 9% formed attributes, of edited functions 30% were
//! items, of edited structs 16%); these keep the shape and vary what the
//! macros read.

use std::str::FromStr;

use proc_macro2::{Delimiter, Group, TokenStream};
use proptest::prelude::*;
use quote::quote;
use syn::Attribute;

use super::tokens::{leaf, mutated, random_stream};

/// Each of `texts` lexed once.
fn lexed(texts: &[&str]) -> Vec<TokenStream> {
    texts
        .iter()
        .map(|t| TokenStream::from_str(t).expect("every shape lexes"))
        .collect()
}

/// `#[…]` around `inside`, when that is an attribute (rustc's parser
/// rejects the others before any macro runs).
pub fn attribute(inside: &TokenStream) -> Option<Attribute> {
    let mut attrs = syn::parse::Parser::parse2(Attribute::parse_outer, quote!(#[#inside])).ok()?;
    (attrs.len() == 1).then(|| attrs.remove(0))
}

/// Insides of attributes: edits of `valid`, one of `names` before random
/// arguments (`name(…)`, `name = x`, `name`), or random tokens.
pub fn attribute_insides(
    names: &[&str],
    valid: &'static [&'static str],
) -> impl Strategy<Value = TokenStream> {
    let name = prop::sample::select(lexed(names));
    let args = (name.clone(), random_stream()).prop_map(|(name, args)| {
        let args = Group::new(Delimiter::Parenthesis, args);
        quote!(#name #args)
    });
    let value = (name.clone(), leaf()).prop_map(|(name, value)| quote!(#name = #value));
    prop_oneof![
        3 => mutated(valid),
        3 => args,
        1 => value,
        1 => name,
        1 => random_stream(),
    ]
}

/// Zero to two attributes made of `insides`, those that are not dropped.
fn attributes(
    insides: impl Strategy<Value = TokenStream>,
) -> impl Strategy<Value = Vec<Attribute>> {
    prop::collection::vec(insides.prop_map(|inside| attribute(&inside)), 0..=2)
        .prop_map(|attrs| attrs.into_iter().flatten().collect())
}

/// Functions of the forms endpoints take, each parameter with attributes
/// made of `insides`.
pub fn function(insides: impl Strategy<Value = TokenStream>) -> impl Strategy<Value = TokenStream> {
    let pattern = prop::sample::select(lexed(&[
        "x",
        "a",
        "b",
        "request_id",
        "r#type",
        "_unused",
        "mut n",
        "_",
        "(a, b)",
        "tenant",
    ]));
    let ty = prop::sample::select(lexed(&[
        "i64",
        "u8",
        "String",
        "Option<String>",
        "Option<bool>",
        "RequestId",
        "qh::RequestId",
        "Vec<u32>",
        "State<S>",
        "Json<User>",
        "&str",
        "impl Trait",
        "(u8, u8)",
        "[u8; 4]",
        "HeaderValue",
        "Filter",
    ]));
    let param = (attributes(insides), pattern, ty)
        .prop_map(|(attrs, pattern, ty)| quote!(#(#attrs)* #pattern: #ty));
    let head = prop::sample::select(lexed(&[
        "fn f",
        "async fn f",
        "pub fn add",
        "pub async fn hello",
        "fn r#type",
        "fn g<T>",
        "#[doc = \"x\"] fn d",
        "#[qh::endpoint] fn twice",
        "#[cfg(test)] async fn c",
    ]));
    let ret = prop::sample::select(lexed(&[
        "",
        "",
        "-> i64",
        "-> String",
        "-> Result<u8, Error>",
        "-> impl IntoResponse",
        "-> Json<User>",
    ]));
    (head, prop::collection::vec(param, 0..=4), ret)
        .prop_map(|(head, params, ret)| quote!(#head(#(#params),*) #ret {}))
}

/// Structs of the forms the derive takes, each field with attributes made
/// of `insides`, the struct with attributes made of `outer`.
pub fn structure(
    outer: impl Strategy<Value = TokenStream>,
    insides: impl Strategy<Value = TokenStream>,
) -> impl Strategy<Value = TokenStream> {
    let name = prop::sample::select(lexed(&[
        "request_id",
        "user_id",
        "a",
        "b",
        "r#type",
        "x_session_id",
        "id",
        "pub tenant",
    ]));
    let ty = prop::sample::select(lexed(&[
        "RequestId",
        "qh::RequestId",
        "Option<String>",
        "String",
        "u64",
        "Option<u64>",
        "Vec<String>",
        "HeaderValue",
        "Option<RequestId>",
        "bool",
    ]));
    let field =
        (attributes(insides), name, ty).prop_map(|(attrs, name, ty)| quote!(#(#attrs)* #name: #ty));
    let head = prop::sample::select(lexed(&[
        "struct T",
        "pub struct Tracking",
        "struct L<'a>",
        "struct G<T>",
    ]));
    (attributes(outer), head, prop::collection::vec(field, 0..=4))
        .prop_map(|(attrs, head, fields)| quote!(#(#attrs)* #head { #(#fields),* }))
}
