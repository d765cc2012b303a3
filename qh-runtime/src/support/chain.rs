//! An error and its causes on one line, for logs: errors keep their cause
//! behind `source()` rather than in their own text, and a log line should
//! still say everything.

use std::error::Error;
use std::fmt;

/// Displays `error` followed by each of its sources, `: `-separated.
pub(crate) struct Chain<'a>(pub(crate) &'a (dyn Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}
