//! Refusals logged at a bounded rate: a flood of refused requests (long
//! polls over the bound, callers over their quota, a full store) writes one
//! line a second, saying how many it stands for, not one line each.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// One kind of refusal's log budget: a line per second at most.
pub(crate) struct Refusals {
    /// The second (since the epoch) the last line was written in.
    last: AtomicU64,
    /// Refusals since that line that wrote none.
    suppressed: AtomicU64,
}

impl Refusals {
    pub(crate) const fn new() -> Self {
        Self {
            last: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
        }
    }

    /// Calls `write` with the number of refusals not logged since the last
    /// line, unless a line was written this second already (then counts
    /// this one as not logged).
    pub(crate) fn log(&self, write: impl FnOnce(u64)) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let last = self.last.load(Ordering::Relaxed);
        let mine = last != now
            && self
                .last
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok();
        if mine {
            write(self.suppressed.swap(0, Ordering::AcqRel));
        } else {
            self.suppressed.fetch_add(1, Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Refusals;

    #[test]
    fn a_flood_writes_one_line() {
        let refusals = Refusals::new();
        let mut lines = Vec::new();
        for _ in 0..1000 {
            refusals.log(|suppressed| lines.push(suppressed));
        }
        // Unless the second turned during the loop: then two.
        assert!(matches!(lines.len(), 1 | 2), "{lines:?}");
        assert_eq!(lines[0], 0);
    }
}
