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
use std::time::Instant;

use http::{Method, StatusCode, Version};

/// Where metrics go: implemented by `qh::otel::Metrics`.
pub(crate) trait Meter: Send + Sync + 'static {
    /// The recorder of requests matched to `route` (`None`: no route
    /// matched), looked up once per request, when it starts.
    fn route(&self, route: Option<&str>) -> Arc<dyn RouteMeter>;
    /// `http.server.active_requests` moves by `delta`.
    fn active(&self, request: RequestAttrs, delta: i64);
    /// An outbound HTTP call ended (`http.client.request.duration`).
    fn client(&self, call: &ClientCall<'_>);
    /// A task of `endpoint` was submitted, started, or ended.
    fn task(&self, endpoint: &str, event: TaskEvent);
}

/// Records the requests of one route.
pub(crate) trait RouteMeter: Send + Sync {
    /// A request ended (`http.server.request.duration`).
    fn record(&self, request: RequestAttrs, end: RequestEnd, seconds: f64);
}

/// A request's low-cardinality attributes, known when it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RequestAttrs {
    /// The method, `None` for one the conventions report as `_OTHER`.
    pub(crate) method: Option<&'static str>,
    /// `url.scheme`.
    pub(crate) https: bool,
    /// `network.protocol.version`.
    pub(crate) version: &'static str,
}

impl RequestAttrs {
    fn of(method: &Method, https: bool, version: Version) -> Self {
        Self {
            method: crate::tracking::semconv::known_method(method.as_str()),
            https,
            version: match version {
                Version::HTTP_09 => "0.9",
                Version::HTTP_10 => "1.0",
                Version::HTTP_2 => "2",
                Version::HTTP_3 => "3",
                _ => "1.1",
            },
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
    /// Its body was dropped before its end (`aborted`) or failed
    /// (`failed`): qh's own outcome labels.
    Outcome(&'static str),
    /// No response was made: `_OTHER`.
    NoResponse,
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
    meter: Arc<dyn Meter>,
    route: Arc<dyn RouteMeter>,
    attrs: RequestAttrs,
    started: Instant,
}

impl ServerMeasure {
    /// A request of `method` over `version` (`https` when its URI says so)
    /// matched to `route` starts now.
    pub(crate) fn start(
        meters: &Meters,
        method: &Method,
        https: bool,
        version: Version,
        route: Option<&str>,
    ) -> Self {
        let attrs = RequestAttrs::of(method, https, version);
        let meter = Arc::clone(&meters.0);
        meter.active(attrs, 1);
        Self {
            route: meter.route(route),
            meter,
            attrs,
            started: Instant::now(),
        }
    }

    /// The request ended: with a response of `status` (`None`: none was
    /// made), `outcome` naming how its body did not end normally.
    pub(crate) fn end(self, status: Option<StatusCode>, outcome: Option<&'static str>) {
        let seconds = self.started.elapsed().as_secs_f64();
        let status = status.map(|s| s.as_u16());
        let error = match status {
            Some(s) if s >= 500 => Some(EndError::Status),
            Some(_) => outcome.map(EndError::Outcome),
            None => Some(EndError::NoResponse),
        };
        self.route
            .record(self.attrs, RequestEnd { status, error }, seconds);
        self.meter.active(self.attrs, -1);
    }
}

/// The current request's meter.
pub(crate) fn current() -> Option<Meters> {
    super::slot::with_current(|c| c.meters.clone()).flatten()
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
