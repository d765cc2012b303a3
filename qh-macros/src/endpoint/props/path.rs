//! Path templates: what the macro accepts, axum routes.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use proptest::prelude::*;

use crate::endpoint::route;
use crate::props::{check_voice, class, text};

/// The placeholders of a template as axum 0.8 reads them: whole segments
/// `{name}` or `{*name}`.
fn reference_names(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| name.trim_start_matches('*').to_owned())
        .collect()
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => text(class("a-z0-9_.~-"), 0..=6),
        3 => (any::<bool>(), class("a-z_"), text(class("a-z0-9_"), 0..=4))
            .prop_map(|(star, first, rest)| format!("{{{}{first}{rest}}}", if star { "*" } else { "" })),
        1 => text(class("{}*:a-z"), 1..=5),
        1 => text(class(" -~"), 0..=4),
        1 => text(any::<char>(), 1..=2),
    ]
}

/// Templates: mostly `/`-joined segments, sometimes not starting with `/`.
fn template() -> impl Strategy<Value = String> {
    let joined = prop::collection::vec(segment(), 0..5).prop_map(|s| format!("/{}", s.join("/")));
    prop_oneof![6 => joined, 1 => text(class(" -~"), 0..=10)]
}

proptest! {
    #![proptest_config(crate::props::config())]

    #[test]
    fn endpoint_path_templates_that_pass_are_routed_by_axum(path in template()) {
        let errors = RefCell::new(Vec::new());
        let names = route::placeholders(&path, &|e| errors.borrow_mut().push(e));
        let errors = errors.into_inner();
        for e in &errors {
            check_voice(e)?;
        }
        if errors.is_empty() {
            prop_assert_eq!(&names, &reference_names(&path), "{:?}", path);
            // The check exists so that axum never panics on a route the
            // macro let through.
            let built = catch_unwind(AssertUnwindSafe(|| {
                axum::Router::<()>::new().route(&path, axum::routing::get(|| async {}))
            }));
            prop_assert!(built.is_ok(), "axum refuses {:?}", path);
        }
    }
}
