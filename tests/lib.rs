//! qh's behaviour and UI tests live in the test targets (`tests/Cargo.toml`).
//! This library is empty: the UI driver (`ui.rs`, trybuild) depends on it
//! so that this package's features, `openapi` among them, are those of the
//! crate the UI cases compile in.
