//! Leaves every layer may use: bounding client text, catching panics, an
//! error with its causes on one line, and locks that outlive a panic.

pub(crate) mod autoref;
pub(crate) mod chain;
pub(crate) mod sync;
pub(crate) mod text;
pub(crate) mod unwind;
