//! Leaves every layer may use: bounding client text, catching panics, and
//! an error with its causes on one line.

pub(crate) mod autoref;
pub(crate) mod chain;
pub(crate) mod text;
pub(crate) mod unwind;
