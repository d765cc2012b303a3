//! Every Rust file under `tests/` runs: `autotests = false` means a file
//! without a `[[test]]` entry in `tests/Cargo.toml` (or a `mod` naming it in
//! a file that runs) is silently never compiled. The trybuild cases under
//! `tests/ui/` are compiled by `ui.rs`'s globs instead and are not checked
//! here.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The `path = "…"` of every `[[test]]` (and the `[lib]`) in
/// `tests/Cargo.toml`, relative to `tests/`.
fn targets(root: &Path) -> BTreeSet<PathBuf> {
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let mut targets = BTreeSet::new();
    let mut in_test = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            // The `[lib]` is compiled too (the UI driver depends on it).
            in_test = line == "[[test]]" || line == "[lib]";
        } else if let Some(value) = line.strip_prefix("path").map(str::trim_start) {
            if in_test {
                let path = value.trim_start_matches('=').trim().trim_matches('"');
                targets.insert(PathBuf::from(path));
            }
        }
    }
    targets
}

/// Whether `file` declares `mod name;` (with any visibility or attributes
/// before it on the line).
fn declares(file: &Path, name: &str) -> bool {
    let Ok(text) = fs::read_to_string(file) else {
        return false;
    };
    let wanted = format!("mod {name};");
    text.lines().map(str::trim).any(|line| {
        line.strip_suffix(&wanted)
            .map(str::trim_end)
            .is_some_and(|before| {
                before.is_empty() || before.ends_with("pub") || before.ends_with([')', ']'])
            })
    })
}

/// Whether the file at `rel` (relative to `root`) is compiled: a target, or
/// a module declared by a file that is.
fn runs(root: &Path, targets: &BTreeSet<PathBuf>, rel: &Path) -> bool {
    if targets.contains(rel) {
        return true;
    }
    let dir = rel.parent().unwrap_or(Path::new(""));
    let stem = rel.file_stem().unwrap().to_str().unwrap();
    let (owner_dir, name) = match stem {
        // `dir/mod.rs` is module `dir` of a file beside `dir`.
        "mod" => match (dir.parent(), dir.file_name()) {
            (Some(up), Some(name)) => (up, name.to_str().unwrap()),
            _ => return false,
        },
        "main" => return false,
        _ => (dir, stem),
    };
    let owners: Vec<PathBuf> = if stem == "mod" {
        rust_files_in(&root.join(owner_dir))
            .into_iter()
            .map(|f| f.strip_prefix(root).unwrap().to_path_buf())
            .collect()
    } else {
        ["main.rs", "mod.rs"]
            .iter()
            .map(|f| owner_dir.join(f))
            .collect()
    };
    owners
        .iter()
        .filter(|owner| owner.as_path() != rel)
        .any(|owner| declares(&root.join(owner), name) && runs(root, targets, owner))
}

fn rust_files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_under_tests_is_a_target_or_a_module_of_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let targets = targets(root);
    assert!(targets.contains(Path::new("targets.rs")), "{targets:?}");
    for target in &targets {
        assert!(
            root.join(target).is_file(),
            "[[test]] path {target:?} does not exist"
        );
    }
    let mut files = Vec::new();
    for entry in fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        let ui = path.file_name().is_some_and(|n| n == "ui" || n == "target");
        if path.is_dir() && !ui {
            walk(&path, &mut files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    let orphans: Vec<_> = files
        .iter()
        .map(|f| f.strip_prefix(root).unwrap().to_path_buf())
        .filter(|rel| !runs(root, &targets, rel))
        .collect();
    assert!(
        orphans.is_empty(),
        "never compiled (add a [[test]] entry to tests/Cargo.toml, or a `mod` in the \
         file that should hold it): {orphans:?}"
    );
}

#[test]
fn the_check_sees_a_missing_entry_and_a_missing_mod() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let targets = targets(root);
    assert!(runs(root, &targets, Path::new("common/wait.rs")));
    assert!(runs(root, &targets, Path::new("endpoint/errors.rs")));
    let mut without = targets.clone();
    without.remove(Path::new("endpoint/main.rs"));
    assert!(!runs(root, &without, Path::new("endpoint/main.rs")));
    assert!(!runs(root, &without, Path::new("endpoint/errors.rs")));
    assert!(!runs(root, &targets, Path::new("endpoint/not_declared.rs")));
}
