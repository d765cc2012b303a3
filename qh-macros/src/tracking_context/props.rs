//! Property tests of `#[derive(TrackingContext)]`: edited structs, and
//! structs of the derive's shape with random attributes. None may panic;
//! every rejection is a `syn::Error` in rustc's voice, and the output still
//! parses.

use proc_macro2::TokenStream;
use proptest::prelude::*;
use quote::quote;

use crate::ctxt::Ctxt;
use crate::props::{
    attribute_insides, check_output, check_rejection, class, mutated, structure, text,
};

const VALID_STRUCTS: &[&str] = &[
    "struct Tracking { request_id: qh::RequestId, #[header(\"X-User-ID\")] user_id: Option<String> }",
    "pub struct T { #[request_id] id: RequestId, #[header] x_session_id: Option<String>, #[header(name = \"X-A\")] a: String }",
    "struct C { request_id: RequestId, #[header(\"X-L\", forward_untrusted)] l: Option<String>, #[header(max_len = 512, name = \"X-S\")] s: Option<String> }",
    "#[qh(crate = \"my_qh\")] struct R { #[header(\"X-Corr\")] request_id: RequestId }",
];

/// The insides of the attributes the derive reads.
const VALID_ATTRS: &[&str] = &[
    "header",
    "header(\"X-User-ID\")",
    "header(name = \"X-A\")",
    "header(\"X-L\", forward_untrusted)",
    "header(\"X-S\", max_len = 512)",
    "request_id",
    "qh(crate = \"my_qh\")",
    "cfg(test)",
    "doc = \"x\"",
];

/// Structs: edits of valid ones, and the derive's shape with random
/// attributes on the struct and its fields.
fn structs() -> impl Strategy<Value = TokenStream> {
    let outer = attribute_insides(&["qh", "header", "derive", "doc"], VALID_ATTRS);
    let fields = attribute_insides(&["header", "request_id", "qh", "cfg", "serde"], VALID_ATTRS);
    prop_oneof![1 => mutated(VALID_STRUCTS), 1 => structure(outer, fields)]
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => text(class("A-Za-z0-9-"), 1..=10),
        1 => text(class(" -~"), 0..=6),
        1 => text(any::<char>(), 0..=3),
    ]
}

/// RFC 9110's `token`, the language of header names.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

proptest! {
    #![proptest_config(crate::props::config())]

    #[test]
    fn derive_never_panics_and_reports_in_rustc_voice(tokens in structs()) {
        // What is not an item never reaches a derive.
        if let Ok(input) = syn::parse2::<syn::DeriveInput>(tokens) {
            let output = super::derive(&input);
            check_output(&output)?;
        }
    }

    #[test]
    fn derive_accepts_exactly_the_header_names_that_are_tokens(a in header_name(), b in header_name()) {
        let input = syn::parse2::<syn::DeriveInput>(quote! {
            struct T {
                request_id: qh::RequestId,
                #[header(#a)] a: Option<String>,
                #[header(#b)] b: Option<String>,
            }
        })
        .unwrap();
        // Parse and validate only: the whole expansion is the other
        // property's, and ten times the cost.
        let cx = Ctxt::new();
        let ast = super::ast::Input::from_ast(&cx, &input);
        super::valid::check(&cx, &ast);
        let errors = match cx.check() {
            Ok(()) => 0,
            Err(e) => {
                let n = e.clone().into_iter().count();
                check_rejection(e)?;
                n
            }
        };
        // Names compare case-insensitively: the same header twice is an
        // error too.
        let duplicate = is_token(&a) && a.eq_ignore_ascii_case(&b);
        let expected = usize::from(!is_token(&a)) + usize::from(!is_token(&b)) + usize::from(duplicate);
        prop_assert_eq!(errors, expected, "{:?} {:?}", a, b);
    }
}

#[test]
fn valid_examples_derive_without_errors() {
    for text in VALID_STRUCTS {
        let input = syn::parse_str::<syn::DeriveInput>(text).unwrap();
        let output = super::derive(&input).to_string();
        assert!(!output.contains("compile_error"), "{text}: {output}");
    }
}
