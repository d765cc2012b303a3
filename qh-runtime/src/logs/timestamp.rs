//! A line's `timestamp`: RFC 3339, UTC, with microseconds.

use std::cell::RefCell;
use std::fmt::{self, Write};
use std::time::{Duration, SystemTime};

use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

thread_local! {
    /// The second this thread stamped last, and its text up to the seconds
    /// (`2023-11-14T22:13:20`): the lines of one second share it, and only
    /// their microseconds are written anew.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// 10000-01-01T00:00:00Z, in seconds since the epoch.
const YEAR_10000: u64 = 253_402_300_800;

/// Writes `now` (`2023-11-14T22:13:20.123456Z`). humantime writes the date
/// and time from digits it computes, once a second per thread
/// (tracing-subscriber's formatter costs some 1,800 instructions a line
/// through `core::fmt`); a clock outside the years 1970–9999, which
/// humantime refuses, is written by tracing-subscriber's.
pub(super) fn timestamp(w: &mut String, now: SystemTime) -> fmt::Result {
    let since = match now.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(since) if since.as_secs() < YEAR_10000 => since,
        _ => return tracing_subscriber::fmt::time::SystemTime.format_time(&mut Writer::new(w)),
    };
    let secs = since.as_secs();
    let cached = SECOND.try_with(|second| {
        // Taken already only if formatting a time logged a line: stamp
        // this one without the cache (as a line logged while the thread's
        // storage is torn down).
        let Ok(mut second) = second.try_borrow_mut() else {
            return false;
        };
        let (stamped, text) = &mut *second;
        if *stamped != secs {
            text.clear();
            let whole = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
            if write!(text, "{}", humantime::format_rfc3339_seconds(whole)).is_err() {
                *stamped = u64::MAX;
                return false;
            }
            text.pop(); // the `Z`
            *stamped = secs;
        }
        w.push_str(text);
        true
    });
    if cached != Ok(true) {
        return write!(w, "{}", humantime::format_rfc3339_micros(now));
    }
    w.push('.');
    let micros = since.subsec_micros();
    let mut unit = 100_000;
    while unit > 0 {
        w.push(char::from_digit(micros / unit % 10, 10).unwrap_or('0'));
        unit /= 10;
    }
    w.push('Z');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn timestamps_are_rfc3339_micros_and_never_panic() {
        use std::time::{Duration, SystemTime};

        let mut out = String::new();
        let at = SystemTime::UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
        timestamp(&mut out, at).unwrap();
        assert_eq!(out, "2023-11-14T22:13:20.123456Z");
        // A clock humantime refuses (before 1970, past 9999) is still stamped.
        for odd in [
            SystemTime::UNIX_EPOCH - Duration::from_secs(1),
            SystemTime::UNIX_EPOCH + Duration::from_secs(300_000_000_000),
        ] {
            let mut out = String::new();
            timestamp(&mut out, odd).unwrap();
            assert!(out.ends_with('Z'), "{out}");
        }
    }

    #[test]
    fn the_second_kept_for_the_next_line_is_the_one_stamped() {
        use std::time::{Duration, SystemTime};

        let stamp = |micros: u64| {
            let mut out = String::new();
            timestamp(
                &mut out,
                SystemTime::UNIX_EPOCH + Duration::from_micros(micros),
            )
            .unwrap();
            out
        };
        // The same second twice, the next one, back to the first (a clock
        // set back), each against humantime's whole stamp.
        for micros in [
            1_700_000_000_000_001,
            1_700_000_000_999_999,
            1_700_000_001_000_000,
            1_700_000_000_500_000,
            86_399_999_999,
        ] {
            let at = SystemTime::UNIX_EPOCH + Duration::from_micros(micros);
            assert_eq!(
                stamp(micros),
                humantime::format_rfc3339_micros(at).to_string()
            );
        }
        assert_eq!(stamp(1_700_000_001_000_000), "2023-11-14T22:13:21.000000Z");
    }

    #[test]
    fn a_line_stamped_while_the_second_is_in_use_is_stamped_whole() {
        use std::time::{Duration, SystemTime};

        let at = SystemTime::UNIX_EPOCH + Duration::from_micros(1_600_000_000_654_321);
        let mut out = String::new();
        super::SECOND.with(|second| {
            let _held = second.borrow_mut();
            timestamp(&mut out, at).unwrap();
        });
        assert_eq!(out, "2020-09-13T12:26:40.654321Z");
    }
}
