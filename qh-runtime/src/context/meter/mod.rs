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

mod server;

use std::fmt;
use std::sync::Arc;

use http::{Method, Uri, Version};

pub(crate) use server::{Active, ServerMeasure};

/// Where metrics go: implemented by `qh::otel::Metrics`.
pub(crate) trait Meter: Send + Sync + 'static {
    /// A recorder for the requests of `route` (`None`: those no route
    /// matched). Asked once per template: [`Meters`] keeps the answer (for
    /// up to 1,024 templates; past them, on each request).
    fn route(&self, route: Option<&str>) -> Arc<dyn RouteMeter>;
    /// An outbound HTTP call ended (`http.client.request.duration`).
    fn client(&self, call: &ClientCall<'_>);
    /// A task of `endpoint` was submitted, started, or ended.
    fn task(&self, endpoint: &str, event: TaskEvent);
}

/// Records the requests of one route.
pub(crate) trait RouteMeter: Send + Sync {
    /// A request ended (`http.server.request.duration`; the [`Active`]
    /// count its start raised goes down).
    fn end(&self, key: RequestKey, seconds: f64);
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
    /// The attributes of a request of `method` to `uri` over `version`:
    /// `https` only when the URI says so (a server behind TLS termination
    /// sees `http`). The spans' `url.scheme` and `network.protocol.version`
    /// read them too.
    #[inline]
    pub(crate) fn of(method: &Method, uri: &Uri, version: Version) -> Self {
        let https = uri.scheme_str() == Some("https");
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

/// A request's attributes and how it ended, in one integer: what names
/// its duration's attribute set, made once and compared on every request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RequestKey(u64);

impl RequestKey {
    #[inline]
    pub(crate) fn new(request: RequestAttrs, end: RequestEnd) -> Self {
        let error = match end.error {
            None => 0,
            Some(EndError::Status) => 1,
            Some(EndError::Aborted) => 2,
            Some(EndError::Failed) => 3,
            Some(EndError::NoResponse) => 4,
        };
        Self(
            u64::from(request.method)
                | u64::from(request.https) << 8
                | u64::from(request.version) << 16
                | u64::from(end.status.map_or(0, |s| u32::from(s) + 1)) << 24
                | error << 48,
        )
    }

    /// The request's attributes.
    #[inline]
    pub(crate) fn request(self) -> RequestAttrs {
        let [method, https, version, ..] = self.0.to_le_bytes();
        RequestAttrs {
            method,
            https: https == 1,
            version,
        }
    }

    /// How the request ended.
    pub(crate) fn end(self) -> RequestEnd {
        let status = u32::try_from(self.0 >> 24 & 0xff_ffff).unwrap_or(0);
        RequestEnd {
            status: status.checked_sub(1).and_then(|s| u16::try_from(s).ok()),
            error: match self.0 >> 48 {
                1 => Some(EndError::Status),
                2 => Some(EndError::Aborted),
                3 => Some(EndError::Failed),
                4 => Some(EndError::NoResponse),
                _ => None,
            },
        }
    }
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

/// A meter as the configuration and the context keep it, with what every
/// request reaches without a call into it: the active count, and the
/// routes' recorders found so far.
#[derive(Clone)]
pub(crate) struct Meters(Arc<server::Shared>);

impl Meters {
    /// Records through `meter`, counting active requests in `active` (the
    /// count `meter`'s recorders lower and its instruments read).
    pub(crate) fn new(meter: Arc<dyn Meter>, active: Arc<Active>) -> Self {
        Self(Arc::new(server::Shared::new(meter, active)))
    }

    /// Where everything but a server request's start goes.
    pub(crate) fn meter(&self) -> &dyn Meter {
        self.0.meter()
    }
}

impl fmt::Debug for Meters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Meters")
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
            meters.meter().task(endpoint, TaskEvent::Submitted);
        }
    }

    /// A task of `endpoint` started running here (`qh.tasks.running`
    /// goes up until the returned timer ends it).
    pub(crate) fn started(endpoint: &str) -> Timer {
        let meters = current();
        if let Some(m) = &meters {
            m.meter().task(endpoint, TaskEvent::Started);
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
                meters.meter().task(&endpoint, event);
            }
        }
    }

    impl Drop for Timer {
        fn drop(&mut self) {
            if let Some((meters, endpoint, _)) = self.meters.take() {
                meters.meter().task(&endpoint, TaskEvent::Stopped);
            }
        }
    }
}
