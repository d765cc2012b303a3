//! [`Metrics`]: the semantic conventions' HTTP metrics and qh's task
//! metrics, recorded through OpenTelemetry instruments, and
//! [`Tracking::metrics`], which gives them to a layer.
//!
//! # What one request costs
//!
//! The SDK resolves a measurement's attributes (sort, hash, look up) on
//! every record: three records per request (the duration, and the active
//! count up and down) cost several times the budget qh keeps for metrics
//! (400 instructions a request). So:
//!
//! - the active count is qh's own atomic per method and scheme
//!   (`context::meter::Active`), read by an observable instrument when the
//!   SDK collects;
//! - the route's recorder is found by the layer, inline, by the matched
//!   template's address (axum hands every request of a route a clone of
//!   the router's own string; the table keeps that clone, so an equal
//!   address is the same template);
//! - the duration's attribute sets are bound once (the SDK's bound
//!   instruments) and kept per route, found by the request's method,
//!   scheme, version, status and outcome packed in one integer.
//!
//! A request then pays two clock reads, one table slot, one integer
//! compare and one bound record (the SDK's lock and bucket search): about
//! 380 instructions (`benches/README.md`).

mod prometheus;
mod route;

use std::fmt;
use std::sync::Arc;

use opentelemetry::metrics::{
    Counter, Histogram, Meter as OtelMeter, MeterProvider, ObservableUpDownCounter, UpDownCounter,
};
use opentelemetry::KeyValue;

use crate::context::meter::{
    Active, ClientCall, Meter, Meters, RequestAttrs, RouteMeter, TaskEvent,
};
use crate::tracking::Tracking;
#[cfg(feature = "prometheus")]
pub use prometheus::Prometheus;
use route::RouteDurations;

/// The instrumentation scope qh's instruments are reported under.
const SCOPE: &str = "qh";

/// The bucket boundaries the semantic conventions advise for
/// `http.server.request.duration` and `http.client.request.duration`, in
/// seconds.
///
/// # Examples
///
/// A histogram of your own with the same buckets, so its figures line up
/// with qh's on a dashboard:
///
/// ```
/// use opentelemetry::metrics::MeterProvider as _;
/// use opentelemetry_sdk::metrics::SdkMeterProvider;
/// use qh::otel::DURATION_BOUNDARIES;
///
/// let provider = SdkMeterProvider::builder().build();
/// let db_duration = provider
///     .meter("my_app")
///     .f64_histogram("db.client.operation.duration")
///     .with_unit("s")
///     .with_boundaries(DURATION_BOUNDARIES.to_vec())
///     .build();
/// db_duration.record(0.012, &[]);
/// ```
pub const DURATION_BOUNDARIES: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// qh's metrics, recorded into OpenTelemetry instruments of a meter
/// provider; give it to the layer with
/// [`Tracking::metrics`](crate::Tracking::metrics).
///
/// | instrument | kind, unit | attributes |
/// | --- | --- | --- |
/// | `http.server.request.duration` | histogram, `s` ([`DURATION_BOUNDARIES`]) | `http.request.method`, `url.scheme`, `network.protocol.name`, `network.protocol.version`, `http.route` (the matched template; absent when no route matched), `http.response.status_code`, `error.type` (the status of a 5xx; `aborted` / `failed` for a body cut short or failed; `_OTHER` with no response) |
/// | `http.server.active_requests` | up-down counter, `{request}` | `http.request.method`, `url.scheme` |
/// | `http.client.request.duration` | histogram, `s` | `http.request.method`, `server.address`, `server.port`, `http.response.status_code`, `error.type` (the status of a 4xx/5xx, else the failure: `timeout`, `connect`, …) |
/// | `qh.tasks.submitted`, `qh.tasks.completed`, `qh.tasks.failed` | counters, `{task}` | `qh.task.endpoint` |
/// | `qh.tasks.duration` | histogram, `s` | `qh.task.endpoint`, `qh.task.outcome` (`completed`, `failed`) |
/// | `qh.tasks.running` | up-down counter (a gauge in Prometheus), `{task}` | `qh.task.endpoint` |
///
/// A method the conventions do not name is `_OTHER` (never the client's
/// text: unbounded values would be unbounded series). Task metrics are
/// recorded for tasks submitted inside a request under the layer (the task
/// runs in that request's context).
///
/// [`qh::otel::init`](super::init) builds one exporting over OTLP/HTTP
/// from the `OTEL_*` variables ([`OtelGuard::metrics`](super::OtelGuard::metrics));
/// [`Metrics::new`] takes any meter provider (an in-memory one in tests, a
/// `Prometheus` scrape endpoint's).
///
/// ```
/// use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
///
/// let exporter = InMemoryMetricExporter::default();
/// let provider = SdkMeterProvider::builder()
///     .with_reader(PeriodicReader::builder(exporter.clone()).build())
///     .build();
/// let metrics = qh::otel::Metrics::new(&provider);
/// let app: axum::Router = axum::Router::new()
///     .route("/", axum::routing::get(|| async { "ok" }))
///     .layer(qh::Tracking::new().metrics(&metrics));
/// ```
///
/// Exemplars: opentelemetry_sdk 0.33 keeps none (its data points'
/// exemplar lists are always empty, and readers cannot add any), so the
/// histograms carry no trace IDs; the request's trace is on its span.
#[derive(Clone, Default)]
pub struct Metrics {
    inner: Option<Meters>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics")
            .field("active", &self.inner.is_some())
            .finish()
    }
}

impl Metrics {
    /// qh's instruments on `provider`'s meter `qh`.
    #[must_use]
    pub fn new<P: MeterProvider + ?Sized>(provider: &P) -> Self {
        let active = Arc::new(Active::default());
        let instruments = Instruments::new(&provider.meter(SCOPE), Arc::clone(&active));
        Self {
            inner: Some(Meters::new(Arc::new(instruments), active)),
        }
    }

    /// Metrics that record nothing: export off.
    #[must_use]
    pub fn inert() -> Self {
        Self { inner: None }
    }

    /// Whether this records anything.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.inner.is_some()
    }

    /// The seam the core records through.
    pub(crate) fn meters(&self) -> Option<Meters> {
        self.inner.clone()
    }
}

// The layer's builder method for metrics is defined here, beside the type
// it takes: the layer's configuration knows only the context's `Meters`.
impl Tracking {
    /// Records the metrics of the requests under this layer, of their
    /// outbound calls and of the tasks they submit into `metrics` (see
    /// [`qh::otel::Metrics`](Metrics)): `http.server.request.duration`,
    /// `http.server.active_requests`, `http.client.request.duration`, and
    /// the `qh.tasks.*` family. Off by default; an inert `Metrics` (export
    /// off) leaves it off.
    ///
    /// ```
    /// use axum::{routing::get, Router};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let otel = qh::otel::init();
    /// let app: Router = Router::new()
    ///     .route("/", get(|| async { "ok" }))
    ///     .layer(qh::Tracking::new().metrics(otel.metrics()));
    /// # }
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
    #[must_use]
    pub fn metrics(mut self, metrics: &Metrics) -> Self {
        self.set_meters(metrics.meters());
        self
    }
}

struct Instruments {
    /// `http.server.request.duration`, bound per route by its recorders.
    durations: Histogram<f64>,
    /// `http.server.active_requests`, per method and scheme.
    active: Arc<Active>,
    /// The observable instrument reading `active`: registered while kept.
    _active_reader: ObservableUpDownCounter<i64>,
    client: Histogram<f64>,
    submitted: Counter<u64>,
    completed: Counter<u64>,
    failed: Counter<u64>,
    task_duration: Histogram<f64>,
    running: UpDownCounter<i64>,
}

impl Instruments {
    fn new(meter: &OtelMeter, active: Arc<Active>) -> Self {
        let duration = |name: &'static str, what: &'static str| {
            meter
                .f64_histogram(name)
                .with_unit("s")
                .with_description(what)
                .with_boundaries(DURATION_BOUNDARIES.to_vec())
                .build()
        };
        let tasks = |name: &'static str, what: &'static str| {
            meter
                .u64_counter(name)
                .with_unit("{task}")
                .with_description(what)
                .build()
        };
        let read = Arc::clone(&active);
        Self {
            durations: duration(
                "http.server.request.duration",
                "Duration of HTTP server requests.",
            ),
            _active_reader: meter
                .i64_observable_up_down_counter("http.server.active_requests")
                .with_unit("{request}")
                .with_description("Number of active HTTP server requests.")
                .with_callback(move |observer| {
                    read.observe(|attrs, value| observer.observe(value, &request_attrs(attrs)));
                })
                .build(),
            active,
            client: duration(
                "http.client.request.duration",
                "Duration of HTTP client requests.",
            ),
            submitted: tasks("qh.tasks.submitted", "Tasks submitted."),
            completed: tasks("qh.tasks.completed", "Tasks that completed."),
            failed: tasks("qh.tasks.failed", "Tasks that failed."),
            task_duration: meter
                .f64_histogram("qh.tasks.duration")
                .with_unit("s")
                .with_description("Duration of tasks, from start to end.")
                .with_boundaries(vec![
                    0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
                ])
                .build(),
            running: meter
                .i64_up_down_counter("qh.tasks.running")
                .with_unit("{task}")
                .with_description("Tasks running in this instance.")
                .build(),
        }
    }
}

/// `http.request.method` and `url.scheme`.
fn request_attrs(request: RequestAttrs) -> [KeyValue; 2] {
    [
        KeyValue::new("http.request.method", request.method_name()),
        KeyValue::new("url.scheme", request.scheme()),
    ]
}

impl Meter for Instruments {
    fn route(&self, route: Option<&str>) -> Arc<dyn RouteMeter> {
        Arc::new(RouteDurations::new(
            self.durations.clone(),
            Arc::clone(&self.active),
            route.map(Into::into),
        ))
    }

    fn client(&self, call: &ClientCall<'_>) {
        let mut attrs = Vec::with_capacity(5);
        attrs.push(KeyValue::new(
            "http.request.method",
            call.method.unwrap_or("_OTHER"),
        ));
        if let Some(address) = call.address {
            attrs.push(KeyValue::new("server.address", address.to_owned()));
        }
        if let Some(port) = call.port {
            attrs.push(KeyValue::new("server.port", i64::from(port)));
        }
        if let Some(status) = call.status {
            attrs.push(KeyValue::new(
                "http.response.status_code",
                i64::from(status),
            ));
        }
        if let Some(error) = call.error {
            attrs.push(KeyValue::new("error.type", error.to_owned()));
        }
        self.client.record(call.seconds, &attrs);
    }

    fn task(&self, endpoint: &str, event: TaskEvent) {
        let endpoint = KeyValue::new("qh.task.endpoint", endpoint.to_owned());
        match event {
            TaskEvent::Submitted => self.submitted.add(1, &[endpoint]),
            TaskEvent::Started => self.running.add(1, &[endpoint]),
            TaskEvent::Completed { seconds } | TaskEvent::Failed { seconds } => {
                let ok = matches!(event, TaskEvent::Completed { .. });
                let (counter, outcome) = if ok {
                    (&self.completed, "completed")
                } else {
                    (&self.failed, "failed")
                };
                counter.add(1, std::slice::from_ref(&endpoint));
                self.running.add(-1, std::slice::from_ref(&endpoint));
                self.task_duration.record(
                    seconds,
                    &[endpoint, KeyValue::new("qh.task.outcome", outcome)],
                );
            }
            TaskEvent::Stopped => self.running.add(-1, &[endpoint]),
        }
    }
}
