//! Leaves every layer may use: bounding client text, catching panics, an
//! error with its causes on one line, locks that outlive a panic, and one
//! header line found by name.

pub(crate) mod autoref;
pub(crate) mod chain;
pub(crate) mod headers;
pub(crate) mod json;
pub(crate) mod sync;
pub(crate) mod text;
pub(crate) mod unwind;
