//! The one trybuild driver: every macro's compile-fail and pass cases.
//!
//! The `.stderr` snapshots hold rustc's wording, which changes between
//! releases; they were made with the release in `ui/rustc-version`, and the
//! driver runs only on that release (it says so loudly when it skips), so a
//! toolchain change cannot turn a developer's suite red. CI sets
//! `QH_UI_REQUIRED=1`: there another release fails instead of skipping,
//! so the cases never pass unchecked. After regenerating the snapshots on
//! a new release (`TRYBUILD=overwrite`), write its version there.

use std::process::Command;

/// `major.minor` of the rustc that compiles the cases.
fn rustc_release() -> Option<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let out = Command::new(rustc).arg("--version").output().ok()?;
    let version = String::from_utf8(out.stdout).ok()?;
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let number = version.split_whitespace().nth(1)?;
    let mut parts = number.split('.');
    Some(format!("{}.{}", parts.next()?, parts.next()?))
}

#[test]
fn ui() {
    let recorded = include_str!("ui/rustc-version").trim();
    let running = rustc_release();
    if running.as_deref() != Some(recorded) {
        assert!(
            std::env::var_os("QH_UI_REQUIRED").is_none(),
            "the UI snapshots are rustc {recorded}'s wording; this is rustc {running:?}, and \
             QH_UI_REQUIRED is set (CI): run them on rustc {recorded}, or regenerate them \
             (`TRYBUILD=overwrite`) and write the new release in tests/ui/rustc-version"
        );
        // Straight to stderr: the harness hides a passing test's output.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: the UI snapshots are rustc {recorded}'s wording; this is rustc \
             {running:?}. Run them with `cargo +{recorded} test -p qh-tests --test ui` ***"
        );
        return;
    }
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*/fail/*.rs");
    t.pass("ui/*/pass/*.rs");
}
