//! What every rejection and every output must be.

use proc_macro2::{TokenStream, TokenTree};
use proptest::prelude::*;

/// A rejection as the user sees it: one or more messages in rustc's voice
/// (not empty, lowercase first letter, no closing period), emitted as
/// `compile_error!`s that parse.
pub fn check_rejection(error: syn::Error) -> Result<(), TestCaseError> {
    let tokens = error.to_compile_error();
    prop_assert!(
        syn::parse2::<syn::File>(tokens.clone()).is_ok(),
        "{}",
        tokens
    );
    for e in error {
        check_voice(&e.to_string())?;
    }
    Ok(())
}

/// A message in rustc's voice: not empty, lowercase first letter, no
/// closing period.
pub fn check_voice(message: &str) -> Result<(), TestCaseError> {
    prop_assert!(!message.is_empty());
    prop_assert!(
        !message.starts_with(|c: char| c.is_ascii_uppercase()),
        "not in rustc's voice: {}",
        message
    );
    prop_assert!(!message.ends_with('.'), "ends with a period: {}", message);
    Ok(())
}

/// How often [`check_output`] parses the whole output: one case in this
/// many. Reading it as a `syn::File` (every item, every expression) is
/// two thirds of a macro property's case; the messages are checked in
/// every case.
const PARSE_EVERY: u32 = 16;

/// A macro's whole output: each error a `compile_error!` in rustc's voice
/// (every case), and items that parse, holding the same errors (one case
/// in [`PARSE_EVERY`]). Returns how many errors it holds.
///
/// Which cases are parsed is decided by a hash of the output, not a
/// counter: the same input is always checked the same way, so a failure
/// replays from its seed or persisted case. Shrinking keeps only smaller
/// inputs that are parsed too, so a reported case may be larger than the
/// least one.
pub fn check_output(output: &TokenStream) -> Result<usize, TestCaseError> {
    let errors = compile_errors(output)?;
    let n = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        output.to_string().hash(&mut hasher);
        hasher.finish()
    };
    if n % u64::from(PARSE_EVERY) == 0 {
        prop_assert_eq!(parsed_errors(output)?, errors, "{}", output);
    }
    Ok(errors)
}

/// The `…::compile_error! { "…" }` invocations at the top of `output`,
/// read from its tokens; each message must be in rustc's voice.
fn compile_errors(output: &TokenStream) -> Result<usize, TestCaseError> {
    let trees: Vec<TokenTree> = output.clone().into_iter().collect();
    let mut errors = 0;
    for window in trees.windows(3) {
        let [TokenTree::Ident(name), TokenTree::Punct(bang), TokenTree::Group(body)] = window
        else {
            continue;
        };
        if name != "compile_error" || bang.as_char() != '!' {
            continue;
        }
        let message = syn::parse2::<syn::LitStr>(body.stream());
        prop_assert!(message.is_ok(), "{}", body);
        check_voice(&message.unwrap().value())?;
        errors += 1;
    }
    Ok(errors)
}

/// The whole output read as a file: items that parse, and the
/// `compile_error!` items among them, each in rustc's voice.
fn parsed_errors(output: &TokenStream) -> Result<usize, TestCaseError> {
    let file = syn::parse2::<syn::File>(output.clone());
    prop_assert!(file.is_ok(), "output does not parse: {}", output);
    let mut errors = 0;
    for item in file.into_iter().flat_map(|f| f.items) {
        if let syn::Item::Macro(m) = item {
            if m.mac
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "compile_error")
            {
                let message = m.mac.parse_body::<syn::LitStr>();
                prop_assert!(message.is_ok(), "{}", m.mac.tokens);
                check_voice(&message.unwrap().value())?;
                errors += 1;
            }
        }
    }
    Ok(errors)
}
