//! The options of `#[qh::endpoint(…)]`.

use proptest::prelude::*;

use super::VALID_ARGS;
use crate::ctxt::Ctxt;
use crate::endpoint::args;
use crate::props::{check_rejection, mutated, random_stream};

/// A well-formed option list: each option at most once, in any order.
fn well_formed() -> impl Strategy<Value = (String, Option<String>, Option<String>, Option<bool>)> {
    let method = prop::option::of(prop::sample::select(vec!["GET", "post", "Put", "BREW", ""]));
    let path = prop::option::of(prop::sample::select(vec!["/a", "/users/{id}", "a", ""]));
    let task = prop::option::of(any::<bool>());
    (method, path, task, any::<bool>()).prop_map(|(method, path, task, reversed)| {
        let mut parts = Vec::new();
        if let Some(m) = method {
            parts.push(format!("method = {m:?}"));
        }
        if let Some(p) = path {
            parts.push(format!("path = {p:?}"));
        }
        match task {
            Some(true) => parts.push("task".to_owned()),
            Some(false) => parts.push("task = \"optional\"".to_owned()),
            None => {}
        }
        if reversed {
            parts.reverse();
        }
        (
            parts.join(", "),
            method.map(str::to_owned),
            path.map(str::to_owned),
            task,
        )
    })
}

proptest! {
    #![proptest_config(crate::props::config())]

    #[test]
    fn endpoint_args_never_panic(tokens in prop_oneof![mutated(VALID_ARGS), random_stream()]) {
        let cx = Ctxt::new();
        let _ = args::parse(&cx, tokens);
        if let Err(e) = cx.check() {
            check_rejection(e)?;
        }
    }

    #[test]
    fn endpoint_args_read_what_is_written((text, method, path, task) in well_formed()) {
        let cx = Ctxt::new();
        let parsed = args::parse(&cx, text.parse().unwrap());
        // Values are checked later (`route`): the option parser takes any
        // string.
        prop_assert!(cx.check().is_ok(), "{}", text);
        prop_assert_eq!(parsed.method.map(|l| l.value()), method);
        prop_assert_eq!(parsed.path.map(|l| l.value()), path);
        let mode = parsed.task.map(|t| t == args::Task::Always);
        prop_assert_eq!(mode, task);
    }
}
