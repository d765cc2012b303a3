//! Property tests of `#[qh::endpoint]`'s front end: random and mutated
//! tokens into its option parser, parameter attributes, path templates and
//! the whole macro. None may panic; every rejection is a `syn::Error` in
//! rustc's voice, and the output still parses.

mod args;
mod attrs;
mod path;

use proptest::prelude::*;

use crate::props::{check_output, mutated, random_stream};

/// `#[qh::endpoint(…)]` options that are accepted.
pub const VALID_ARGS: &[&str] = &[
    "",
    "method = \"GET\"",
    "method = \"get\", path = \"/users/{id}\"",
    "task",
    "task = \"optional\"",
    "crate = \"my_qh\"",
    "path = \"/files/{*rest}\", method = \"DELETE\", task",
];

/// Endpoint functions, each using different parameter forms.
const VALID_FNS: &[&str] = &[
    "fn add(a: i64, b: i64) -> i64 { a + b }",
    "async fn hello(name: String, #[header(\"X-Tenant\")] tenant: Option<String>, request_id: RequestId) -> String { name }",
    "fn list(#[query(default = 20)] limit: u32, #[query(flatten)] filter: Filter, x: u8) {}",
    "pub fn create(#[body] user: User, #[extract] state: State<S>) -> Json<User> { user }",
    "fn defaults(#[default(5)] n: u8, #[header] x_user: String, #[request_id] rid: RequestId, #[cfg(test)] #[header(name = \"X-A\", default = 1)] a: u8) {}",
    "fn r#type(r#type: String, _unused: u8) -> Result<u8, Error> { Ok(1) }",
];

fn args() -> impl Strategy<Value = proc_macro2::TokenStream> {
    prop_oneof![
        1 => prop::sample::select(VALID_ARGS).prop_map(|s| s.parse().unwrap()),
        3 => mutated(VALID_ARGS),
        2 => random_stream(),
    ]
}

fn item() -> impl Strategy<Value = proc_macro2::TokenStream> {
    prop_oneof![
        1 => prop::sample::select(VALID_FNS).prop_map(|s| s.parse().unwrap()),
        4 => mutated(VALID_FNS),
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
