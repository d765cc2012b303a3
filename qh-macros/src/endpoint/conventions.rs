//! `#[qh::endpoint(rest)]`: the method and path Python qh's conventions
//! (`qh.conventions`, 0.0.25) infer from a function's name and parameters.
//!
//! The name is split at its first `_` into a verb and a resource. A known
//! verb gives the method (below; any other name is `POST`). Parameters
//! named `id`, `*_id` or `key` become path segments, in order, except for
//! collection verbs (`list`, `create`, `search`, `query`); the resource is
//! pluralised for collections and for items addressed by such parameters,
//! and left as written otherwise. An unknown verb keeps the whole name as
//! the resource.
//!
//! Where Rust qh differs: `request_id` is the request's tracking ID, never
//! a path segment, and neither is a parameter given another source
//! (`#[header]`, `#[query]`, `#[body]`, `#[extract]`, `#[request_id]`).

use syn::{FnArg, ItemFn, Pat};

use crate::unraw;

/// Python qh's `CRUD_VERBS`.
const VERBS: [(&str, &str); 21] = [
    ("get", "GET"),
    ("fetch", "GET"),
    ("retrieve", "GET"),
    ("read", "GET"),
    ("list", "GET"),
    ("find", "GET"),
    ("search", "GET"),
    ("query", "GET"),
    ("create", "POST"),
    ("add", "POST"),
    ("insert", "POST"),
    ("new", "POST"),
    ("update", "PUT"),
    ("modify", "PUT"),
    ("edit", "PUT"),
    ("change", "PUT"),
    ("set", "PUT"),
    ("patch", "PATCH"),
    ("delete", "DELETE"),
    ("remove", "DELETE"),
    ("destroy", "DELETE"),
];

/// Verbs acting on a whole collection: their IDs are not path segments.
const COLLECTION_VERBS: [&str; 4] = ["list", "create", "search", "query"];

/// Parameter attributes that give a source other than the path.
const OTHER_SOURCES: [&str; 5] = ["header", "query", "body", "extract", "request_id"];

/// The route the conventions give `name` with path parameters `ids`.
pub fn infer(name: &str, ids: &[String]) -> (&'static str, String) {
    let known = name.split_once('_').and_then(|(verb, resource)| {
        let verb = verb.to_ascii_lowercase();
        VERBS
            .iter()
            .find(|(v, _)| *v == verb)
            .map(|(v, method)| (*v, *method, resource))
    });
    let (method, resource, collection) = match known {
        Some((verb, method, resource)) => (method, resource, COLLECTION_VERBS.contains(&verb)),
        None => ("POST", name, false),
    };
    let ids: &[String] = if collection { &[] } else { ids };
    let resource = if collection || !ids.is_empty() {
        pluralize(&singularize(resource))
    } else {
        resource.to_owned()
    };
    let mut path = String::new();
    for part in std::iter::once(resource).chain(ids.iter().map(|id| format!("{{{id}}}"))) {
        if !part.is_empty() {
            path.push('/');
            path.push_str(&part);
        }
    }
    if path.is_empty() {
        path.push('/');
    }
    (method, path)
}

/// The parameters the conventions read from the path: plain names `id`,
/// `*_id` or `key` with no attribute choosing another source.
pub fn id_params(func: &ItemFn) -> Vec<String> {
    let mut ids = Vec::new();
    for arg in &func.sig.inputs {
        let FnArg::Typed(typed) = arg else { continue };
        let Pat::Ident(pat) = &*typed.pat else {
            continue;
        };
        let name = unraw(&pat.ident);
        let id_like = name == "id" || name == "key" || name.ends_with("_id");
        let elsewhere = typed.attrs.iter().any(|attr| {
            attr.path()
                .get_ident()
                .is_some_and(|i| OTHER_SOURCES.iter().any(|s| i == s))
        });
        if id_like && name != "request_id" && !elsewhere {
            ids.push(name);
        }
    }
    ids
}

/// Python qh's `singularize`: `ies` → `y`, `ses` → `s`, a final `s` (not
/// `ss`) dropped.
fn singularize(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with("ses") {
        word[..word.len() - 2].to_owned()
    } else if word.ends_with('s') && !word.ends_with("ss") {
        word[..word.len() - 1].to_owned()
    } else {
        word.to_owned()
    }
}

/// Python qh's `pluralize`: consonant + `y` → `ies`; `s`, `x`, `z` → `es`;
/// else `s`. (A lone `y`, where Python fails, becomes `ys`.)
fn pluralize(word: &str) -> String {
    let before_y = word.strip_suffix('y').and_then(|stem| stem.chars().last());
    match before_y {
        Some(c) if !"aeiou".contains(c) => format!("{}ies", &word[..word.len() - 1]),
        _ if word.ends_with(['s', 'x', 'z']) => format!("{word}es"),
        _ => format!("{word}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::{infer, pluralize, singularize};

    fn route(name: &str, ids: &[&str]) -> String {
        let ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
        let (method, path) = infer(name, &ids);
        format!("{method} {path}")
    }

    #[test]
    fn the_issue_s_table() {
        assert_eq!(route("get_user", &["user_id"]), "GET /users/{user_id}");
        assert_eq!(route("list_users", &[]), "GET /users");
        assert_eq!(route("create_user", &[]), "POST /users");
        assert_eq!(route("update_user", &["user_id"]), "PUT /users/{user_id}");
        assert_eq!(
            route("delete_user", &["user_id"]),
            "DELETE /users/{user_id}"
        );
        assert_eq!(
            route("fetch_order_item", &["order_id", "item_id"]),
            "GET /order_items/{order_id}/{item_id}"
        );
        assert_eq!(route("compute_stuff", &[]), "POST /compute_stuff");
    }

    #[test]
    fn every_verb_gives_its_method() {
        for (verb, method) in super::VERBS {
            assert_eq!(
                route(&format!("{verb}_thing"), &[]).split(' ').next(),
                Some(method)
            );
        }
        assert_eq!(
            route("GET_user", &[]),
            "GET /user",
            "the verb is matched lowercased"
        );
        assert_eq!(route("compute", &[]), "POST /compute", "no `_`: no verb");
        assert_eq!(route("get", &[]), "POST /get");
    }

    #[test]
    fn python_qh_s_own_cases() {
        // test_conventions.py: test_infer_http_method.
        for (name, method) in [
            ("get_user", "GET"),
            ("list_users", "GET"),
            ("fetch_data", "GET"),
            ("create_user", "POST"),
            ("add_item", "POST"),
            ("update_user", "PUT"),
            ("modify_settings", "PUT"),
            ("patch_profile", "PATCH"),
            ("delete_user", "DELETE"),
            ("remove_item", "DELETE"),
        ] {
            assert_eq!(infer(name, &[]).0, method, "{name}");
        }
        // test_singularize_pluralize.
        for (plural, single) in [
            ("users", "user"),
            ("orders", "order"),
            ("categories", "category"),
            ("buses", "bus"),
        ] {
            assert_eq!(singularize(plural), single);
            assert_eq!(pluralize(single), plural);
        }
        // test_infer_path, and the docstrings of conventions.py.
        assert_eq!(
            route("delete_order", &["order_id"]),
            "DELETE /orders/{order_id}"
        );
        assert_eq!(route("create_order_item", &[]), "POST /order_items");
        // Collection verbs never take IDs into the path.
        assert_eq!(route("create_user", &["user_id"]), "POST /users");
        assert_eq!(route("search_items", &["owner_id"]), "GET /items");
    }

    #[test]
    fn edges() {
        // No ID, no collection: the resource as written.
        assert_eq!(route("get_users", &[]), "GET /users");
        assert_eq!(route("get_status", &["id"]), "GET /status/{id}");
        assert_eq!(route("get_box", &["key"]), "GET /boxes/{key}");
        assert_eq!(route("get_day", &["id"]), "GET /days/{id}");
        assert_eq!(route("get_address", &["id"]), "GET /addresses/{id}");
        // An unknown verb with an ID: the whole name, pluralised.
        assert_eq!(
            route("compute_stuff", &["job_id"]),
            "POST /compute_stuffs/{job_id}"
        );
        assert_eq!(route("get_y", &["id"]), "GET /ys/{id}");
        assert_eq!(route("get_", &[]), "GET /");
        assert_eq!(route("list_", &[]), "GET /s");
    }
}
