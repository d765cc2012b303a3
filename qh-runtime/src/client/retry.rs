//! Retries of `503 Service Unavailable`: the answer of a service that is
//! starting, draining, or whose store is full (qh's task routes answer it
//! with `Retry-After`). The request was not served, so sending it again is
//! safe whatever its method.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use http::header::RETRY_AFTER;
use http::{Extensions, HeaderMap, StatusCode};
use reqwest_middleware::{Middleware, Next};

/// The retry middleware, innermost in a [`Client`](super::Client)'s stack.
pub(crate) struct Retry {
    pub(crate) retries: u32,
    pub(crate) max_wait: Duration,
}

/// The wait before retry `attempt` (0-based) without `Retry-After`.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(100u64.saturating_mul(1 << attempt.min(16)))
}

impl Middleware for Retry {
    // `reqwest-middleware` declares `handle` with `async_trait`; this is its
    // expansion, written out as `Propagate` does.
    fn handle<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        req: reqwest::Request,
        extensions: &'life1 mut Extensions,
        next: Next<'life2>,
    ) -> Pin<
        Box<
            dyn Future<Output = reqwest_middleware::Result<reqwest::Response>>
                + Send
                + 'async_trait,
        >,
    >
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let mut req = req;
            let mut attempt = 0;
            loop {
                // A streamed body cannot be sent twice: such a request is
                // sent once.
                let again = (attempt < self.retries).then(|| req.try_clone()).flatten();
                let response = next.clone().run(req, extensions).await?;
                let Some(again) = again else {
                    return Ok(response);
                };
                if response.status() != StatusCode::SERVICE_UNAVAILABLE {
                    return Ok(response);
                }
                let wait = retry_after(response.headers(), SystemTime::now())
                    .unwrap_or_else(|| backoff(attempt));
                if wait > self.max_wait {
                    return Ok(response);
                }
                drop(response);
                tracing::debug!(attempt = attempt + 1, wait = ?wait, "retrying a 503");
                tokio::time::sleep(wait).await;
                req = again;
                attempt += 1;
            }
        })
    }
}

/// `Retry-After`: delay-seconds, or an HTTP date (RFC 9110 §10.2.3); a
/// date in the past is no wait.
fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = http_date(text)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// An IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`: the form senders must
/// use (RFC 9110 §5.6.7).
fn http_date(text: &str) -> Option<SystemTime> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut parts = text.split(' ');
    let (_weekday, day, month, year, time, zone) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if parts.next().is_some() || zone != "GMT" {
        return None;
    }
    let day: u64 = day.parse().ok()?;
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let year: u64 = year.parse().ok()?;
    let mut hms = time.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if year < 1970 || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // Days since 1970-01-01 of a proleptic Gregorian date (Howard
    // Hinnant's `days_from_civil`).
    let (y, mo) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * mo + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    let secs = days * 86_400 + h * 3600 + m * 60 + s;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &'static str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(RETRY_AFTER, value.parse().unwrap());
        map
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_770);
        assert_eq!(
            retry_after(&headers("5"), now),
            Some(Duration::from_secs(5))
        );
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        assert_eq!(
            retry_after(&headers("Sun, 06 Nov 1994 08:49:37 GMT"), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(
                &headers("Sun, 06 Nov 1994 08:49:37 GMT"),
                now + Duration::from_secs(60)
            ),
            Some(Duration::ZERO)
        );
        assert_eq!(
            http_date("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(SystemTime::UNIX_EPOCH)
        );
        assert_eq!(
            http_date("Tue, 29 Feb 2028 12:00:00 GMT"),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_835_438_400))
        );
        for bad in [
            "soon",
            "-1",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "",
        ] {
            assert_eq!(retry_after(&headers_or_empty(bad), now), None, "{bad}");
        }
        assert_eq!(backoff(0), Duration::from_millis(100));
        assert_eq!(backoff(3), Duration::from_millis(800));
    }

    fn headers_or_empty(value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        if let Ok(v) = value.parse() {
            map.insert(RETRY_AFTER, v);
        }
        map
    }
}
