//! Property tests of `#[qh::endpoint]`'s front end: random and mutated
//! tokens into its option parser, parameter attributes, path templates and
//! the whole macro (edited functions, and functions of the endpoint shape
//! with random parameter attributes). None may panic; every rejection is a
//! `syn::Error` in rustc's voice, and the output still parses.

mod args;
mod attrs;
mod path;

use proc_macro2::TokenStream;
use proptest::prelude::*;

use crate::props::{attribute_insides, check_output, function, mutated, random_stream};

/// `#[qh::endpoint(…)]` options that are accepted.
pub const VALID_ARGS: &[&str] = &[
    "",
    "method = \"GET\"",
    "method = \"get\", path = \"/users/{id}\"",
    "task",
    "task = \"optional\"",
    "crate = \"my_qh\"",
    "path = \"/files/{*rest}\", method = \"DELETE\", task",
    "rest",
    "rest, method = \"GET\"",
];

/// The insides of parameter attributes qh reads (and some it keeps).
pub const VALID_ATTRS: &[&str] = &[
    "header",
    "header(\"X-Tenant\")",
    "header(name = \"X-Tenant\", default = 1)",
    "query",
    "query(default = 20)",
    "query(flatten)",
    "path",
    "body",
    "extract",
    "request_id",
    "default(20)",
    "default = 20",
    "cfg(test)",
    "cfg_attr(test, allow(unused))",
    "allow(unused)",
];

/// The names of parameter attributes, qh's and others.
const ATTR_NAMES: &[&str] = &[
    "header",
    "query",
    "path",
    "body",
    "extract",
    "request_id",
    "default",
    "cfg",
    "cfg_attr",
    "allow",
    "doc",
    "serde",
];

/// Insides of parameter attributes: edits of valid ones, qh's names with
/// random arguments, random tokens.
pub fn param_attr_insides() -> impl Strategy<Value = TokenStream> {
    attribute_insides(ATTR_NAMES, VALID_ATTRS)
}

/// Endpoint functions, each using different parameter forms.
const VALID_FNS: &[&str] = &[
    "fn add(a: i64, b: i64) -> i64 { a + b }",
    "async fn hello(name: String, #[header(\"X-Tenant\")] tenant: Option<String>, request_id: RequestId) -> String { name }",
    "fn list(#[query(default = 20)] limit: u32, #[query(flatten)] filter: Filter, x: u8) {}",
    "pub fn create(#[body] user: User, #[extract] state: State<S>) -> Json<User> { user }",
    "fn defaults(#[default(5)] n: u8, #[header] x_user: String, #[request_id] rid: RequestId, #[cfg(test)] #[header(name = \"X-A\", default = 1)] a: u8) {}",
    "fn r#type(r#type: String, _unused: u8) -> Result<u8, Error> { Ok(1) }",
];

/// Each of `texts`, lexed once.
fn valid(texts: &[&str]) -> impl Strategy<Value = TokenStream> {
    let streams: Vec<TokenStream> = texts.iter().map(|t| t.parse().unwrap()).collect();
    prop::sample::select(streams)
}

fn args() -> impl Strategy<Value = TokenStream> {
    prop_oneof![
        1 => valid(VALID_ARGS),
        3 => mutated(VALID_ARGS),
        2 => random_stream(),
    ]
}

fn item() -> impl Strategy<Value = TokenStream> {
    prop_oneof![
        1 => valid(VALID_FNS),
        3 => mutated(VALID_FNS),
        3 => function(param_attr_insides()),
    ]
}

proptest! {
    #![proptest_config(crate::props::config())]

    #[test]
    fn endpoint_macro_never_panics_and_reports_in_rustc_voice(args in args(), item in item()) {
        let output = super::expand(args, item.clone());
        if syn::parse2::<syn::Item>(item.clone()).is_err() {
            // Not an item: rustc's parser reports it, on the tokens as given.
            prop_assert_eq!(output.to_string(), item.to_string());
        } else {
            check_output(&output)?;
        }
    }
}

/// Mutations start from inputs the macro accepts.
#[test]
fn valid_examples_expand_without_errors() {
    let clean = |args: &str, item: &str| {
        let output = super::expand(args.parse().unwrap(), item.parse().unwrap());
        let text = output.to_string();
        assert!(syn::parse2::<syn::File>(output).is_ok(), "{args} {item}");
        assert!(!text.contains("compile_error"), "{args} {item}: {text}");
    };
    for args in VALID_ARGS {
        clean(args, "fn f(id: u64, rest: String) {}");
    }
    for item in VALID_FNS {
        clean("", item);
    }
}
