//! Property tests of qh's parsers of client input: generated and mutated
//! inputs, each checked against a reference rule written here from the
//! documentation (never by calling qh), and never a panic.
//!
//! Short mode runs in `cargo test` (proptest's 256 cases per property).
//! Long mode, a million cases per property, one at a time, bounded:
//!
//! ```text
//! PROPTEST_CASES=1000000 timeout 3600 cargo test --release -p qh-tests --test props -- --test-threads=1
//! PROPTEST_CASES=1000000 timeout 900 cargo test --release -p qh-tests --test props -- --exact trust::trust_admits_exactly_the_members
//! ```
//!
//! A failure prints the smallest input proptest found; it is kept as a
//! named test with that literal input, not as a `proptest-regressions/`
//! seed (a seed replays only while the strategy keeps its exact shape).

mod flags;
mod header;
mod id;
mod support;
mod trace_context;
mod tracestate;
mod trust;
