//! A server request's metrics, from its start in the `Tracking` layer to
//! its end in its scope: what every request pays is done here, inline
//! (the active count, the route's recorder found by its template's
//! address, the clock); only the record itself calls into the [`Meter`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
#[cfg(not(all(unix, feature = "metrics")))]
use std::time::Instant;

use axum::extract::MatchedPath;
use http::StatusCode;

use super::{EndError, Meter, RequestAttrs, RequestEnd, RequestKey, RouteMeter, METHODS, OTHER};
use crate::support::sync::{read, write};

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

/// How many routes are found without a lock, and how many slots a
/// lookup tries from the one its template's address picks.
const SLOTS: usize = 64;
const PROBES: usize = 4;
/// The most templates kept by text; past it a route's recorder is made
/// again on each request (the SDK's cardinality limit still applies).
const MAX_ROUTES: usize = 1024;
/// The most template strings of one text remembered: one per router that
/// serves the route, in practice.
const MAX_SEEN: usize = 4;

/// The routes' recorders. First found by the matched template's address:
/// axum hands every request of a route a clone of the router's own
/// template string, and a slot keeps that clone alive, so an equal address
/// is the same template (no text compared, no hash, no lock). Else by the
/// template's text, under a lock.
struct Routes {
    slots: [OnceLock<(MatchedPath, Arc<dyn RouteMeter>)>; SLOTS],
    by_text: RwLock<HashMap<Arc<str>, Known>>,
    unrouted: Arc<dyn RouteMeter>,
}

/// A template's recorder, and the strings of it seen so far (kept alive,
/// so their addresses cannot be another template's).
struct Known {
    recorder: Arc<dyn RouteMeter>,
    seen: Vec<MatchedPath>,
}

impl Routes {
    fn new(unrouted: Arc<dyn RouteMeter>) -> Self {
        Self {
            slots: std::array::from_fn(|_| OnceLock::new()),
            by_text: RwLock::default(),
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
        let first = (at >> 3 ^ at >> 9) % SLOTS;
        for probe in 0..PROBES {
            match self.slot(first, probe).get() {
                Some((kept, found)) if std::ptr::eq(kept.as_str(), route.as_str()) => {
                    return found.clone()
                }
                Some(_) => {}
                None => break,
            }
        }
        self.by_text(meter, route, first)
    }

    /// The slot `probe` steps from `first`.
    fn slot(&self, first: usize, probe: usize) -> &OnceLock<(MatchedPath, Arc<dyn RouteMeter>)> {
        &self.slots[(first + probe) % SLOTS]
    }

    /// The recorder of a template no slot holds. A string of it seen
    /// before (a router's own, which every request of the route brings)
    /// earns a slot; one seen first is remembered; a template axum makes
    /// afresh for each request (a nested service's) is found by text each
    /// time.
    #[cold]
    #[inline(never)]
    fn by_text(&self, meter: &dyn Meter, route: &MatchedPath, first: usize) -> Arc<dyn RouteMeter> {
        let found = read(&self.by_text).get(route.as_str()).map(|known| {
            (
                known.recorder.clone(),
                known.has_seen(route),
                known.is_full(),
            )
        });
        match found {
            Some((recorder, true, _)) => {
                for probe in 0..PROBES {
                    let placed = self
                        .slot(first, probe)
                        .get_or_init(|| (route.clone(), recorder.clone()));
                    if std::ptr::eq(placed.0.as_str(), route.as_str()) {
                        break;
                    }
                }
                recorder
            }
            Some((recorder, false, true)) => recorder,
            _ => self.remember(meter, route),
        }
    }

    /// Notes `route`'s string under its template, made now if it is new.
    fn remember(&self, meter: &dyn Meter, route: &MatchedPath) -> Arc<dyn RouteMeter> {
        let text = route.as_str();
        let mut by_text = write(&self.by_text);
        if let Some(known) = by_text.get_mut(text) {
            if !known.is_full() && !known.has_seen(route) {
                known.seen.push(route.clone());
            }
            return known.recorder.clone();
        }
        let recorder = meter.route(Some(text));
        if by_text.len() < MAX_ROUTES {
            let known = Known {
                recorder: recorder.clone(),
                seen: vec![route.clone()],
            };
            by_text.insert(text.into(), known);
        }
        recorder
    }
}

impl Known {
    /// Whether this very string of the template was seen (by address).
    fn has_seen(&self, route: &MatchedPath) -> bool {
        self.seen
            .iter()
            .any(|seen| std::ptr::eq(seen.as_str(), route.as_str()))
    }

    /// Whether no more strings of the template are remembered.
    fn is_full(&self) -> bool {
        self.seen.len() >= MAX_SEEN
    }
}

/// A request being measured: kept by its scope from its start to its end.
pub(crate) struct ServerMeasure {
    route: Arc<dyn RouteMeter>,
    attrs: RequestAttrs,
    started: Stamp,
}

impl ServerMeasure {
    /// A request with these attributes, matched to `route`, starts now.
    #[inline]
    pub(crate) fn start(
        meters: &super::Meters,
        attrs: RequestAttrs,
        route: Option<&MatchedPath>,
    ) -> Self {
        let shared = &*meters.0;
        shared.active.up(attrs);
        Self {
            route: shared.routes.get(&*shared.meter, route),
            attrs,
            started: Stamp::now(),
        }
    }

    /// The request's attributes, as the start counted them.
    #[inline]
    pub(crate) fn attrs(&self) -> RequestAttrs {
        self.attrs
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

/// A reading of a monotonic clock, for a request's duration. On Unix it is
/// `CLOCK_MONOTONIC` (what `std::time::Instant` reads on Linux), read
/// directly: `Instant`'s
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
