//! `http.server.request.duration`, bound per route and then per method,
//! status and outcome (see the module docs of `metrics`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, RwLock};

use opentelemetry::metrics::{BoundHistogram, Histogram};
use opentelemetry::KeyValue;

use crate::context::meter::{EndError, RequestAttrs, RequestEnd, RouteMeter};

/// The most attribute sets bound per route, and routes kept: past them a
/// record resolves its attributes as an unbound one does (the SDK's own
/// cardinality limit still applies).
const MAX_BOUND: usize = 64;
const MAX_ROUTES: usize = 1024;

/// The routes' recorders, by matched template.
pub(super) struct Routes {
    histogram: Histogram<f64>,
    by_template: RwLock<HashMap<Box<str>, Arc<RouteDurations>, BuildHasherDefault<Fx>>>,
    unrouted: Arc<RouteDurations>,
}

impl Routes {
    pub(super) fn new(histogram: Histogram<f64>) -> Self {
        Self {
            unrouted: Arc::new(RouteDurations::new(histogram.clone(), None)),
            histogram,
            by_template: RwLock::default(),
        }
    }

    /// The recorder of `route`'s requests (`None`: no route matched).
    pub(super) fn get(&self, route: Option<&str>) -> Arc<dyn RouteMeter> {
        let Some(route) = route else {
            return self.unrouted.clone();
        };
        if let Some(found) = read(&self.by_template).get(route) {
            return found.clone();
        }
        let mut routes = self
            .by_template
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if routes.len() >= MAX_ROUTES {
            return Arc::new(RouteDurations::new(
                self.histogram.clone(),
                Some(route.into()),
            ));
        }
        routes
            .entry(route.into())
            .or_insert_with(|| {
                Arc::new(RouteDurations::new(
                    self.histogram.clone(),
                    Some(route.into()),
                ))
            })
            .clone()
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One route's durations.
struct RouteDurations {
    histogram: Histogram<f64>,
    route: Option<Arc<str>>,
    bound: RwLock<Vec<(Key, BoundHistogram<f64>)>>,
}

type Key = (RequestAttrs, RequestEnd);

impl RouteDurations {
    fn new(histogram: Histogram<f64>, route: Option<Arc<str>>) -> Self {
        Self {
            histogram,
            route,
            bound: RwLock::default(),
        }
    }

    fn attributes(&self, (request, end): Key) -> Vec<KeyValue> {
        let mut attrs = Vec::with_capacity(7);
        attrs.extend(super::request_attrs(request));
        attrs.push(KeyValue::new("network.protocol.name", "http"));
        attrs.push(KeyValue::new("network.protocol.version", request.version));
        if let Some(route) = &self.route {
            attrs.push(KeyValue::new("http.route", route.clone()));
        }
        if let Some(status) = end.status {
            attrs.push(KeyValue::new(
                "http.response.status_code",
                i64::from(status),
            ));
        }
        match end.error {
            Some(EndError::Status) => attrs.push(KeyValue::new(
                "error.type",
                end.status.unwrap_or(500).to_string(),
            )),
            Some(EndError::Outcome(label)) => attrs.push(KeyValue::new("error.type", label)),
            Some(EndError::NoResponse) => attrs.push(KeyValue::new("error.type", "_OTHER")),
            None => {}
        }
        attrs
    }
}

impl RouteMeter for RouteDurations {
    fn record(&self, request: RequestAttrs, end: RequestEnd, seconds: f64) {
        let key = (request, end);
        if let Some((_, bound)) = read(&self.bound).iter().find(|(k, _)| *k == key) {
            bound.record(seconds);
            return;
        }
        let attrs = self.attributes(key);
        let mut bound = self
            .bound
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
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

/// A small, fast hasher for route templates (rustc's Fx): keys are the
/// app's own templates, so hash flooding is no concern.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
