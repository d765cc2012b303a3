//! `qh-runtime`'s `#[doc(hidden)] pub mod __private` holds exactly what the
//! expansions name: every entry is named by `qh-macros/src/paths.rs` (the
//! one place the proc macros spell runtime paths), by the facade's
//! `qh::routes!` or by the runtime's own `return_kind!`, and every path
//! `paths.rs` names is an entry.

use std::collections::BTreeSet;
use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The names `__private` exports: the last segment (or the `as` name) of
/// each `pub use` leaf, and each item it defines.
fn exported() -> BTreeSet<String> {
    let file = syn::parse_file(&read("../qh-runtime/src/lib.rs")).expect("lib.rs parses");
    let module = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "__private" => m.content.as_ref(),
            _ => None,
        })
        .expect("qh-runtime/src/lib.rs has `mod __private { … }`");
    let mut names = BTreeSet::new();
    for item in &module.1 {
        match item {
            syn::Item::Use(u) => leaves(&u.tree, "", &mut names),
            syn::Item::Type(t) => {
                names.insert(t.ident.to_string());
            }
            syn::Item::Fn(f) => {
                names.insert(f.sig.ident.to_string());
            }
            syn::Item::Const(c) => {
                names.insert(c.ident.to_string());
            }
            other => panic!("unexpected item in `__private`: {}", quote::quote!(#other)),
        }
    }
    names
}

/// `parent` is the segment before `tree`: `Option::{self, …}` exports
/// `Option`.
fn leaves(tree: &syn::UseTree, parent: &str, names: &mut BTreeSet<String>) {
    match tree {
        syn::UseTree::Path(p) => leaves(&p.tree, &p.ident.to_string(), names),
        syn::UseTree::Name(n) if n.ident == "self" => {
            names.insert(parent.to_owned());
        }
        syn::UseTree::Name(n) => {
            names.insert(n.ident.to_string());
        }
        syn::UseTree::Rename(r) => {
            names.insert(r.rename.to_string());
        }
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| leaves(t, parent, names)),
        syn::UseTree::Glob(_) => panic!("no glob imports in `__private`: list what is named"),
    }
}

/// The first segment after `=>` of each `private_paths!` line.
fn named_by_paths_rs() -> BTreeSet<String> {
    let source = read("src/paths.rs");
    let start = source
        .find("\nprivate_paths! {")
        .expect("paths.rs invokes private_paths!");
    let block = &source[start..];
    let block = &block[..block.find("\n}").expect("the invocation ends")];
    block
        .lines()
        .filter_map(|line| line.split_once("=>"))
        .map(|(_, path)| {
            let path = path.trim().trim_end_matches(';');
            path.split("::").next().unwrap_or(path).trim().to_owned()
        })
        .collect()
}

/// Every `__private::Name` the facade's macros spell (`qh::routes!`).
fn named_by_facade() -> BTreeSet<String> {
    named_in("../src/lib.rs")
}

/// Every `__private::Name` the runtime's `return_kind!` spells (in the
/// folder of the return shapes).
fn named_by_runtime_macros() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../qh-runtime/src/returns/shapes");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no return shapes in {}", dir.display());
    files
        .iter()
        .flat_map(|path| {
            named_in(&format!(
                "../qh-runtime/src/returns/shapes/{}",
                path.file_name().unwrap().to_string_lossy()
            ))
        })
        .collect()
}

fn named_in(relative: &str) -> BTreeSet<String> {
    let source = read(relative);
    source
        .split("__private::")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn every_entry_is_named_by_an_expansion() {
    let exported = exported();
    let named: BTreeSet<String> = named_by_paths_rs()
        .into_iter()
        .chain(named_by_facade())
        .chain(named_by_runtime_macros())
        .collect();
    let unused: Vec<&String> = exported.difference(&named).collect();
    assert!(
        unused.is_empty(),
        "`__private` entries no expansion names (remove them, or name them from paths.rs): {unused:?}"
    );
    let missing: Vec<&String> = named.difference(&exported).collect();
    assert!(
        missing.is_empty(),
        "named but not in `__private`: {missing:?}"
    );
}

#[test]
fn the_readers_find_the_tables() {
    // The parsers above are not vacuous: each finds known entries.
    let exported = exported();
    assert!(["Kind", "BoxFuture", "Option", "context_get"]
        .iter()
        .all(|n| exported.contains(*n)));
    assert!(named_by_paths_rs().contains("Kind") && named_by_paths_rs().contains("Option"));
    assert!(named_by_facade().contains("Routes") && named_by_facade().contains("check_routes"));
    assert!(named_by_runtime_macros().contains("returns"));
}
