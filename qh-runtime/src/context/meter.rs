//! The one seam metrics enter by: a [`Meter`] the app hands to its
//! `Tracking` layer (`Tracking::metrics`, with the `metrics` feature),
//! carried in each request's [`Context`](super::Context), so the request's
//! completion, its outbound calls and its tasks record through it without
//! asking anything global. With no meter (the default), nothing here runs
//! and no clock is read for it.
//!
//! The core describes what happened in small `Copy` values; the
//! implementation (`otel::metrics`) turns them into instruments' records.

// Without the `metrics` feature nothing implements `Meter`: the values are
// made and never read.
#![cfg_attr(not(feature = "metrics"), allow(dead_code))]

use std::fmt;
use std::sync::Arc;
#[cfg(not(all(unix, feature = "metrics")))]
use std::time::Instant;

use http::{Method, StatusCode, Version};

/// Where metrics go: implemented by `qh::otel::Metrics`.
pub(crate) trait Meter: Send + Sync + 'static {
    /// A request matched to `route` (`None`: no route matched) starts
    /// (`http.server.active_requests` goes up): the recorder its end goes
    /// to, looked up once, now.
    fn start(&self, request: RequestAttrs, route: Option<&str>) -> Arc<dyn RouteMeter>;
    /// An outbound HTTP call ended (`http.client.request.duration`).
    fn client(&self, call: &ClientCall<'_>);
    /// A task of `endpoint` was submitted, started, or ended.
    fn task(&self, endpoint: &str, event: TaskEvent);
}

/// Records the requests of one route.
pub(crate) trait RouteMeter: Send + Sync {
    /// A request ended (`http.server.request.duration`; the active count
    /// goes down).
    fn end(&self, request: RequestAttrs, end: RequestEnd, seconds: f64);
}

/// The methods the conventions name, in a fixed order: a request's
/// method is its index here, [`OTHER`] for any other.
pub(crate) const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];
/// The method index of `_OTHER`.
pub(crate) const OTHER: u8 = 9;

/// `network.protocol.version`, by index.
const VERSIONS: [&str; 5] = ["0.9", "1.0", "1.1", "2", "3"];

/// A request's low-cardinality attributes, known when it starts, as small
/// numbers (compared and hashed on every request).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RequestAttrs {
    /// The index of the method in [`METHODS`], [`OTHER`] for one the
    /// conventions report as `_OTHER`.
    pub(crate) method: u8,
    /// `url.scheme` is `https`.
    pub(crate) https: bool,
    /// The index of `network.protocol.version`.
    pub(crate) version: u8,
}

impl RequestAttrs {
    #[inline]
    fn of(method: &Method, https: bool, version: Version) -> Self {
        // Standard methods compare as enum values, not text; the commonest
        // first.
        let method = if *method == Method::GET {
            0
        } else if *method == Method::POST {
            2
        } else if *method == Method::PUT {
            3
        } else if *method == Method::DELETE {
            4
        } else if *method == Method::PATCH {
            8
        } else if *method == Method::HEAD {
            1
        } else if *method == Method::OPTIONS {
            6
        } else if *method == Method::CONNECT {
            5
        } else if *method == Method::TRACE {
            7
        } else {
            OTHER
        };
        Self {
            method,
            https,
            version: match version {
                Version::HTTP_09 => 0,
                Version::HTTP_10 => 1,
                Version::HTTP_2 => 3,
                Version::HTTP_3 => 4,
                _ => 2,
            },
        }
    }

    /// `http.request.method`.
    pub(crate) fn method_name(self) -> &'static str {
        METHODS
            .get(usize::from(self.method))
            .copied()
            .unwrap_or("_OTHER")
    }

    /// `network.protocol.version`.
    pub(crate) fn version_name(self) -> &'static str {
        VERSIONS[usize::from(self.version)]
    }

    /// `url.scheme`.
    pub(crate) fn scheme(self) -> &'static str {
        if self.https {
            "https"
        } else {
            "http"
        }
    }
}

/// How a request ended, as its duration's attributes say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RequestEnd {
    /// `http.response.status_code`, when a response was made.
    pub(crate) status: Option<u16>,
    /// `error.type`, when the request failed.
    pub(crate) error: Option<EndError>,
}

/// Why a request failed, as its `error.type` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum EndError {
    /// A 5xx answer: its status code.
    Status,
    /// Its body was dropped before its end: `aborted` (qh's outcome label).
    Aborted,
    /// Its body failed: `failed`.
    Failed,
    /// No response was made: `_OTHER`.
    NoResponse,
}

impl EndError {
    fn of_outcome(label: &'static str) -> Self {
        if label == "aborted" {
            Self::Aborted
        } else {
            Self::Failed
        }
    }
}

/// An outbound call, as `http.client.request.duration` records it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClientCall<'a> {
    pub(crate) method: Option<&'static str>,
    pub(crate) address: Option<&'a str>,
    pub(crate) port: Option<u16>,
    pub(crate) status: Option<u16>,
    pub(crate) error: Option<&'a str>,
    pub(crate) seconds: f64,
}

/// What happened to a task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum TaskEvent {
    Submitted,
    Started,
    Completed {
        seconds: f64,
    },
    Failed {
        seconds: f64,
    },
    /// Stopped before it ended (cancelled, deleted, its lease lost).
    Stopped,
}

/// A meter as the configuration and the context keep it.
#[derive(Clone)]
pub(crate) struct Meters(pub(crate) Arc<dyn Meter>);

impl fmt::Debug for Meters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Meters")
    }
}

/// A request being measured: kept by its scope from its start to its end.
pub(crate) struct ServerMeasure {
    route: Arc<dyn RouteMeter>,
    attrs: RequestAttrs,
    started: Stamp,
}

/// A reading of the monotonic clock `std::time::Instant` reads, for a
/// request's duration. On Unix it is read directly: `Instant`'s
/// subtraction checks and normalises a `Duration` (some 55 instructions a
/// request, an eighth of the metrics' budget) that the histogram then
/// turns into seconds anyway.
#[derive(Clone, Copy)]
struct Stamp(
    #[cfg(all(unix, feature = "metrics"))] rustix::time::Timespec,
    #[cfg(not(all(unix, feature = "metrics")))] Instant,
);

impl Stamp {
    #[inline]
    fn now() -> Self {
        #[cfg(all(unix, feature = "metrics"))]
        return Self(rustix::time::clock_gettime(
            rustix::time::ClockId::Monotonic,
        ));
        #[cfg(not(all(unix, feature = "metrics")))]
        return Self(Instant::now());
    }

    /// The seconds since this reading.
    #[inline]
    fn elapsed(self) -> f64 {
        #[cfg(all(unix, feature = "metrics"))]
        {
            let now = Self::now().0;
            // Monotonic: never negative; seconds and nanoseconds may
            // borrow, which the sum settles.
            #[allow(clippy::cast_precision_loss)]
            let seconds =
                (now.tv_sec - self.0.tv_sec) as f64 + (now.tv_nsec - self.0.tv_nsec) as f64 * 1e-9;
            seconds.max(0.0)
        }
        #[cfg(not(all(unix, feature = "metrics")))]
        self.0.elapsed().as_secs_f64()
    }
}

impl ServerMeasure {
    /// A request of `method` over `version` (`https` when its URI says so)
    /// matched to `route` starts now.
    #[inline]
    pub(crate) fn start(
        meters: &Meters,
        method: &Method,
        https: bool,
        version: Version,
        route: Option<&str>,
    ) -> Self {
        let attrs = RequestAttrs::of(method, https, version);
        Self {
            route: meters.0.start(attrs, route),
            attrs,
            started: Stamp::now(),
        }
    }

    /// The request ended: with a response of `status` (`None`: none was
    /// made), `outcome` naming how its body did not end normally.
    #[inline]
    pub(crate) fn end(self, status: Option<StatusCode>, outcome: Option<&'static str>) {
        let seconds = self.started.elapsed();
        let status = status.map(|s| s.as_u16());
        let error = match status {
            Some(s) if s >= 500 => Some(EndError::Status),
            Some(_) => outcome.map(EndError::of_outcome),
            None => Some(EndError::NoResponse),
        };
        self.route
            .end(self.attrs, RequestEnd { status, error }, seconds);
    }
}

/// The current request's meter.
pub(crate) fn current() -> Option<Meters> {
    super::slot::with_current(|c| c.meters().cloned()).flatten()
}

/// A task's metrics, read by the task runner at its submit, start and end
/// points (the task runs in its submitting request's context, whose meter
/// it records through).
pub(crate) mod tasks {
    use std::time::Instant;

    use super::{current, Meters, TaskEvent};

    /// A task of `endpoint` was submitted (`qh.tasks.submitted`).
    pub(crate) fn submitted(endpoint: &str) {
        if let Some(meters) = current() {
            meters.0.task(endpoint, TaskEvent::Submitted);
        }
    }

    /// A task of `endpoint` started running here (`qh.tasks.running`
    /// goes up until the returned timer ends it).
    pub(crate) fn started(endpoint: &str) -> Timer {
        let meters = current();
        if let Some(m) = &meters {
            m.0.task(endpoint, TaskEvent::Started);
        }
        Timer {
            meters: meters.map(|m| (m, endpoint.to_owned(), Instant::now())),
        }
    }

    /// A running task; dropped without [`ended`](Self::ended), it was
    /// stopped.
    pub(crate) struct Timer {
        meters: Option<(Meters, String, Instant)>,
    }

    impl Timer {
        /// The task ended: completed (`ok`) or failed.
        pub(crate) fn ended(mut self, ok: bool) {
            if let Some((meters, endpoint, started)) = self.meters.take() {
                let seconds = started.elapsed().as_secs_f64();
                let event = if ok {
                    TaskEvent::Completed { seconds }
                } else {
                    TaskEvent::Failed { seconds }
                };
                meters.0.task(&endpoint, event);
            }
        }
    }

    impl Drop for Timer {
        fn drop(&mut self) {
            if let Some((meters, endpoint, _)) = self.meters.take() {
                meters.0.task(&endpoint, TaskEvent::Stopped);
            }
        }
    }
}
