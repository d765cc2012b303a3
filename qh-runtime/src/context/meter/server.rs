//! A server request's metrics, from its start in the `Tracking` layer to
//! its end in its scope: what every request pays is done here, inline
//! (the active count, the route's recorder found by its template's
//! address, the clock); only the record itself calls into the [`Meter`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
#[cfg(not(all(unix, feature = "metrics")))]
use std::time::Instant;

use axum::extract::MatchedPath;
use http::{Method, StatusCode, Version};

use super::{EndError, Meter, RequestAttrs, RequestEnd, RequestKey, RouteMeter, METHODS, OTHER};

/// What [`Meters`](super::Meters) shares between its clones.
pub(super) struct Shared {
    meter: Arc<dyn Meter>,
    active: Arc<Active>,
    routes: Routes,
}

impl Shared {
    pub(super) fn new(meter: Arc<dyn Meter>, active: Arc<Active>) -> Self {
        Self {
            routes: Routes::new(meter.route(None)),
            meter,
            active,
        }
    }

    pub(super) fn meter(&self) -> &dyn Meter {
        &*self.meter
    }
}

/// `http.server.active_requests` per method (the last row `_OTHER`) and
/// scheme: raised here when a request starts, lowered by its route's
/// recorder when it ends, read by the instrument when the SDK collects.
#[derive(Default)]
pub(crate) struct Active {
    counts: [[AtomicI64; 2]; METHODS.len() + 1],
    /// Whether a cell was ever used: its series is reported from then on,
    /// at zero too.
    used: [[AtomicBool; 2]; METHODS.len() + 1],
}

impl Active {
    #[inline]
    fn up(&self, request: RequestAttrs) {
        let (row, col) = Self::cell(request);
        if !self.used[row][col].load(Ordering::Relaxed) {
            self.used[row][col].store(true, Ordering::Relaxed);
        }
        self.counts[row][col].fetch_add(1, Ordering::Relaxed);
    }

    /// A request counted by a start ended.
    #[inline]
    pub(crate) fn down(&self, request: RequestAttrs) {
        let (row, col) = Self::cell(request);
        self.counts[row][col].fetch_sub(1, Ordering::Relaxed);
    }

    #[inline]
    fn cell(request: RequestAttrs) -> (usize, usize) {
        (
            usize::from(request.method).min(METHODS.len()),
            usize::from(request.https),
        )
    }

    /// Each series used so far: its method and scheme (the version left
    /// at its first value), and its count.
    pub(crate) fn observe(&self, mut observe: impl FnMut(RequestAttrs, i64)) {
        for method in 0..=OTHER {
            for https in [false, true] {
                let (row, col) = (usize::from(method), usize::from(https));
                if self.used[row][col].load(Ordering::Relaxed) {
                    let attrs = RequestAttrs {
                        method,
                        https,
                        version: 0,
                    };
                    observe(attrs, self.counts[row][col].load(Ordering::Relaxed));
                }
            }
        }
    }
}

/// How many routes are found without a lock.
const SLOTS: usize = 64;
/// The most routes kept past the slots; past it a route's recorder is
/// asked for on each request (the SDK's cardinality limit still applies).
const MAX_ROUTES: usize = 1024;

/// The routes' recorders, found first by the matched template's address:
/// axum hands every request of a route a clone of the router's own
/// template, and a slot keeps that clone alive, so an equal address is
/// the same template (no text compared, no hash).
struct Routes {
    slots: [OnceLock<(MatchedPath, Arc<dyn RouteMeter>)>; SLOTS],
    /// The routes whose slot another took, by template text.
    others: RwLock<HashMap<Arc<str>, Arc<dyn RouteMeter>>>,
    unrouted: Arc<dyn RouteMeter>,
}

impl Routes {
    fn new(unrouted: Arc<dyn RouteMeter>) -> Self {
        Self {
            slots: std::array::from_fn(|_| OnceLock::new()),
            others: RwLock::default(),
            unrouted,
        }
    }

    /// The recorder of `route`'s requests (`None`: no route matched).
    #[inline]
    fn get(&self, meter: &dyn Meter, route: Option<&MatchedPath>) -> Arc<dyn RouteMeter> {
        let Some(route) = route else {
            return self.unrouted.clone();
        };
        let at = route.as_str().as_ptr() as usize;
        // The low bits of an address are alignment: skip them.
        let slot = &self.slots[(at >> 3 ^ at >> 9) % SLOTS];
        match slot.get() {
            Some((kept, found)) if std::ptr::eq(kept.as_str(), route.as_str()) => found.clone(),
            Some(_) => self.other(meter, route.as_str()),
            None => {
                let found = self.other(meter, route.as_str());
                let _ = slot.set((route.clone(), found.clone()));
                found
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn other(&self, meter: &dyn Meter, route: &str) -> Arc<dyn RouteMeter> {
        let others = self.others.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = others.get(route) {
            return found.clone();
        }
        drop(others);
        let mut others = self.others.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = others.get(route) {
            return found.clone();
        }
        let made = meter.route(Some(route));
        if others.len() < MAX_ROUTES {
            others.insert(route.into(), made.clone());
        }
        made
    }
}

/// A request being measured: kept by its scope from its start to its end.
pub(crate) struct ServerMeasure {
    route: Arc<dyn RouteMeter>,
    attrs: RequestAttrs,
    started: Stamp,
}

impl ServerMeasure {
    /// A request of `method` over `version` (`https` when its URI says so)
    /// matched to `route` starts now.
    #[inline]
    pub(crate) fn start(
        meters: &super::Meters,
        method: &Method,
        https: bool,
        version: Version,
        route: Option<&MatchedPath>,
    ) -> Self {
        let shared = &*meters.0;
        let attrs = RequestAttrs::of(method, https, version);
        shared.active.up(attrs);
        Self {
            route: shared.routes.get(&*shared.meter, route),
            attrs,
            started: Stamp::now(),
        }
    }

    /// The request in `measure` ended, if it had not: with a response of
    /// `status` (`None`: none was made), `outcome` naming how its body did
    /// not end normally.
    #[inline]
    pub(crate) fn end(
        measure: &mut Option<Self>,
        status: Option<StatusCode>,
        outcome: Option<&'static str>,
    ) {
        let Some(this) = measure else {
            return;
        };
        let seconds = this.started.elapsed();
        let status = status.map(|s| s.as_u16());
        let error = match status {
            Some(s) if s >= 500 => Some(EndError::Status),
            Some(_) => outcome.map(EndError::of_outcome),
            None => Some(EndError::NoResponse),
        };
        this.route.end(
            RequestKey::new(this.attrs, RequestEnd { status, error }),
            seconds,
        );
        *measure = None;
    }
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
