//! Leaves every layer may use: bounding client text, and catching panics.

pub(crate) mod autoref;
pub(crate) mod text;
pub(crate) mod unwind;
