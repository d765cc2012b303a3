//! The attributes on an endpoint's parameters, and the header names they
//! give.

use proc_macro2::TokenStream;
use proptest::prelude::*;
use quote::quote;
use syn::Attribute;

use super::param_attr_insides;
use crate::ctxt::Ctxt;
use crate::endpoint::attr::{self, SpecKind};
use crate::headers::HeaderName;
use crate::props::{attribute, check_rejection, check_voice, class, text};

/// `#[…]` around each stream that forms an attribute (rustc's parser
/// rejects the others before any macro runs).
fn attributes(insides: &[TokenStream]) -> Vec<Attribute> {
    insides.iter().filter_map(attribute).collect()
}

/// RFC 9110's `token`, the language of header names.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 65_535
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => text(class("A-Za-z0-9-"), 1..=12),
        2 => text(class("!-~"), 0..=8),
        1 => text(class(" -~\t"), 0..=6),
        1 => text(any::<char>(), 0..=4),
    ]
}

proptest! {
    #![proptest_config(crate::props::config())]

    #[test]
    fn endpoint_param_attributes_never_panic(
        insides in prop::collection::vec(param_attr_insides(), 1..=3)
    ) {
        let attrs = attributes(&insides);
        let cx = Ctxt::new();
        let _ = attr::parse(&cx, &attrs);
        if let Err(e) = cx.check() {
            check_rejection(e)?;
        }
    }

    #[test]
    fn endpoint_header_names_are_tokens(name in header_name(), form in 0..2u8) {
        let attrs = match form {
            0 => attributes(&[quote!(header(#name))]),
            _ => attributes(&[quote!(header(name = #name, default = 1))]),
        };
        let cx = Ctxt::new();
        let parsed = attr::parse(&cx, &attrs);
        let result = cx.check();
        prop_assert_eq!(result.is_ok(), is_token(&name), "{:?}", name);
        match result {
            Ok(()) => {
                let Some(SpecKind::Header(header)) = parsed.specs.first().map(|s| &s.kind) else {
                    return Err(TestCaseError::fail("no header spec"));
                };
                let HeaderName::Explicit { lower, .. } = &header.name else {
                    return Err(TestCaseError::fail("not an explicit name"));
                };
                prop_assert_eq!(lower, &name.to_ascii_lowercase());
                // What the expansion hands to `HeaderName::from_static`.
                prop_assert!(axum::http::HeaderName::from_bytes(lower.as_bytes()).is_ok());
            }
            Err(e) => {
                for e in e {
                    check_voice(&e.to_string())?;
                }
            }
        }
    }
}
