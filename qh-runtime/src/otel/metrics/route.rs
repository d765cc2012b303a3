//! `http.server.request.duration` of one route, bound per method, status
//! and outcome (see the module docs of `metrics`).

use std::sync::{Arc, OnceLock, RwLock};

use opentelemetry::metrics::{BoundHistogram, Histogram};
use opentelemetry::KeyValue;

use crate::context::meter::{Active, EndError, RequestKey, RouteMeter};
use crate::support::sync::{read, write};

/// The most attribute sets bound per route: past it a record resolves
/// its attributes as an unbound one does (the SDK's own cardinality limit
/// still applies).
const MAX_BOUND: usize = 64;

/// One route's durations.
pub(super) struct RouteDurations {
    histogram: Histogram<f64>,
    active: Arc<Active>,
    route: Option<Arc<str>>,
    /// The first attribute set the route recorded (most often its
    /// commonest: `GET`, 200), read without a lock.
    first: OnceLock<(RequestKey, BoundHistogram<f64>)>,
    /// The others.
    bound: RwLock<Vec<(RequestKey, BoundHistogram<f64>)>>,
}

impl RouteDurations {
    pub(super) fn new(
        histogram: Histogram<f64>,
        active: Arc<Active>,
        route: Option<Arc<str>>,
    ) -> Self {
        Self {
            histogram,
            active,
            route,
            first: OnceLock::new(),
            bound: RwLock::default(),
        }
    }

    fn attributes(&self, key: RequestKey) -> Vec<KeyValue> {
        let (request, end) = (key.request(), key.end());
        let mut attrs = Vec::with_capacity(7);
        attrs.extend(super::request_attrs(request));
        attrs.push(KeyValue::new("network.protocol.name", "http"));
        attrs.push(KeyValue::new(
            "network.protocol.version",
            request.version_name(),
        ));
        if let Some(route) = &self.route {
            attrs.push(KeyValue::new("http.route", route.clone()));
        }
        if let Some(status) = end.status {
            attrs.push(KeyValue::new(
                "http.response.status_code",
                i64::from(status),
            ));
        }
        let error = match end.error {
            None => None,
            Some(EndError::Status) => Some(end.status.unwrap_or(500).to_string()),
            Some(EndError::Aborted) => Some("aborted".to_owned()),
            Some(EndError::Failed) => Some("failed".to_owned()),
            Some(EndError::NoResponse) => Some("_OTHER".to_owned()),
        };
        if let Some(error) = error {
            attrs.push(KeyValue::new("error.type", error));
        }
        attrs
    }
}

impl RouteMeter for RouteDurations {
    fn end(&self, key: RequestKey, seconds: f64) {
        self.active.down(key.request());
        match self.first.get() {
            Some((k, bound)) if *k == key => bound.record(seconds),
            _ => self.record(key, seconds),
        }
    }
}

impl RouteDurations {
    /// Any set but the route's first.
    #[cold]
    #[inline(never)]
    fn record(&self, key: RequestKey, seconds: f64) {
        match self.first.get() {
            Some(_) => {}
            None => {
                let (k, bound) = self
                    .first
                    .get_or_init(|| (key, self.histogram.bind(&self.attributes(key))));
                if *k == key {
                    bound.record(seconds);
                    return;
                }
            }
        }
        if let Some((_, bound)) = read(&self.bound).iter().find(|(k, _)| *k == key) {
            bound.record(seconds);
            return;
        }
        let attrs = self.attributes(key);
        let mut bound = write(&self.bound);
        if let Some((_, found)) = bound.iter().find(|(k, _)| *k == key) {
            found.record(seconds);
            return;
        }
        if bound.len() >= MAX_BOUND {
            drop(bound);
            self.histogram.record(seconds, &attrs);
            return;
        }
        let handle = self.histogram.bind(&attrs);
        handle.record(seconds);
        bound.push((key, handle));
    }
}
