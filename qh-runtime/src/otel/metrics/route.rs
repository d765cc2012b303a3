//! `http.server.request.duration`, bound per route and then per method,
//! status and outcome (see the module docs of `metrics`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock, PoisonError, RwLock, RwLockReadGuard};

use opentelemetry::metrics::{BoundHistogram, Histogram};
use opentelemetry::KeyValue;

use super::Active;
use crate::context::meter::{EndError, RequestAttrs, RequestEnd, RouteMeter};

/// The most attribute sets bound per route, and routes kept: past them a
/// record resolves its attributes as an unbound one does (the SDK's own
/// cardinality limit still applies).
const MAX_BOUND: usize = 64;
const MAX_ROUTES: usize = 1024;

/// Where a route's template lives: axum's `MatchedPath` hands every
/// request of a route the same shared string, and an endpoint's template
/// is a `&'static str`, so the address finds the route without hashing
/// its text (the text is still compared: an address can be reused).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct At {
    ptr: usize,
    len: usize,
}

impl At {
    fn of(route: &str) -> Self {
        Self {
            ptr: route.as_ptr() as usize,
            len: route.len(),
        }
    }
}

/// The routes' recorders, by template.
pub(super) struct Routes {
    histogram: Histogram<f64>,
    active: Arc<Active>,
    /// Where a route is found first: a slot chosen by its template's
    /// address, taken by the first route that hashes there and kept (no
    /// lock; routes are few and live as long as their router).
    slots: [OnceLock<(At, Arc<RouteDurations>)>; SLOTS],
    /// Where the routes whose slot was taken are found.
    by_address: RwLock<HashMap<At, Arc<RouteDurations>, BuildHasherDefault<AddressHash>>>,
    unrouted: Arc<RouteDurations>,
}

/// How many routes can be found without a lock.
const SLOTS: usize = 64;

impl Routes {
    pub(super) fn new(histogram: Histogram<f64>, active: Arc<Active>) -> Self {
        Self {
            unrouted: Arc::new(RouteDurations::new(
                histogram.clone(),
                Arc::clone(&active),
                None,
            )),
            histogram,
            active,
            slots: std::array::from_fn(|_| OnceLock::new()),
            by_address: RwLock::default(),
        }
    }

    /// The recorder of `route`'s requests (`None`: no route matched).
    #[inline]
    pub(super) fn get(&self, route: Option<&str>) -> Arc<dyn RouteMeter> {
        let Some(route) = route else {
            return self.unrouted.clone();
        };
        let at = At::of(route);
        // The low bits of an address are alignment: skip them.
        let slot = &self.slots[(at.ptr >> 3 ^ at.ptr >> 9) % SLOTS];
        if let Some((taken, found)) = slot.get() {
            if *taken == at && found.template() == Some(route) {
                return found.clone();
            }
            return self.lookup(route, at);
        }
        let found = self.lookup(route, at);
        let _ = slot.set((at, found.clone()));
        found
    }

    #[cold]
    #[inline(never)]
    fn lookup(&self, route: &str, at: At) -> Arc<RouteDurations> {
        if let Some(found) = read(&self.by_address).get(&at) {
            if found.template() == Some(route) {
                return found.clone();
            }
        }
        let made = Arc::new(RouteDurations::new(
            self.histogram.clone(),
            Arc::clone(&self.active),
            Some(route.into()),
        ));
        let mut routes = self
            .by_address
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if routes.len() < MAX_ROUTES || routes.contains_key(&at) {
            routes.insert(at, made.clone());
        }
        made
    }
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// One route's durations.
struct RouteDurations {
    histogram: Histogram<f64>,
    active: Arc<Active>,
    route: Option<Arc<str>>,
    /// The first attribute set the route recorded (most often its
    /// commonest: `GET`, 200), read without a lock.
    first: OnceLock<(u64, BoundHistogram<f64>)>,
    /// The others.
    bound: RwLock<Vec<(u64, BoundHistogram<f64>)>>,
}

/// A request's attributes and end in one integer, compared per request.
#[inline]
fn pack(request: RequestAttrs, end: RequestEnd) -> u64 {
    let error = match end.error {
        None => 0,
        Some(EndError::Status) => 1,
        Some(EndError::Aborted) => 2,
        Some(EndError::Failed) => 3,
        Some(EndError::NoResponse) => 4,
    };
    u64::from(request.method)
        | u64::from(request.https) << 8
        | u64::from(request.version) << 16
        | u64::from(end.status.map_or(0, |s| u32::from(s) + 1)) << 24
        | error << 48
}

impl RouteDurations {
    fn new(histogram: Histogram<f64>, active: Arc<Active>, route: Option<Arc<str>>) -> Self {
        Self {
            histogram,
            active,
            route,
            first: OnceLock::new(),
            bound: RwLock::default(),
        }
    }

    fn template(&self) -> Option<&str> {
        self.route.as_deref()
    }

    fn attributes(&self, request: RequestAttrs, end: RequestEnd) -> Vec<KeyValue> {
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
    fn end(&self, request: RequestAttrs, end: RequestEnd, seconds: f64) {
        self.active.down(request);
        let key = pack(request, end);
        match self.first.get() {
            Some((k, bound)) if *k == key => bound.record(seconds),
            _ => self.record(key, request, end, seconds),
        }
    }
}

impl RouteDurations {
    /// Any set but the route's first.
    #[cold]
    #[inline(never)]
    fn record(&self, key: u64, request: RequestAttrs, end: RequestEnd, seconds: f64) {
        match self.first.get() {
            Some(_) => {}
            None => {
                let (k, bound) = self
                    .first
                    .get_or_init(|| (key, self.histogram.bind(&self.attributes(request, end))));
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
        let attrs = self.attributes(request, end);
        let mut bound = self.bound.write().unwrap_or_else(PoisonError::into_inner);
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

/// Hashes an [`At`]: its address, whose low bits are alignment.
#[derive(Default)]
struct AddressHash(u64);

impl Hasher for AddressHash {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8 | u64::from(*b)).rotate_left(5);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
