//! OpenTelemetry export of the request spans (cargo feature `opentelemetry`).
//!
//! One line in `main` sets up logs and export together:
//!
//! ```no_run
//! #[tokio::main]
//! async fn main() {
//!     // RUST_LOG-filtered JSON lines (default `info`), and the request spans
//!     // exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
//!     let _otel = qh::otel::init();
//!     // ... serve; dropping `_otel` at the end of main sends the last spans.
//! }
//! ```
//!
//! The pieces, each usable on its own:
//!
//! - **Set-up**: [`init`] installs the global subscriber; [`layer_from_env`]
//!   and [`OtelConfig`] (`OtelConfig::from_env().build()`) build the
//!   `tracing` layer that exports spans over OTLP (HTTP/protobuf),
//!   configured from the standard `OTEL_*` environment variables, plus an
//!   [`OtelGuard`] that flushes and shuts the exporter down when dropped;
//!   [`layer`] is the same layer over a tracer provider of your own. With
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` (and `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
//!   unset there is no layer and the program runs exactly as without the
//!   feature.
//! - **The request span**: [`server_span`] creates the per-request span with
//!   the fields of the OpenTelemetry HTTP-server semantic conventions
//!   (`http.request.method`, `http.route`, `http.response.status_code`) plus
//!   `request_id`; [`record_route`] adds the route when it is known only
//!   after the span started, [`record_status`] the status on completion.
//! - **Trace context**: [`set_remote_parent`] makes an incoming W3C
//!   `traceparent` the parent of a span; [`ids_of`] / [`current_ids`] read the
//!   OpenTelemetry trace and span IDs of a span, for logs and for an outbound
//!   `traceparent`.
//!
//! - **Metrics** (cargo feature `metrics`): `Metrics` records the
//!   semantic conventions' `http.server.request.duration`,
//!   `http.server.active_requests` and `http.client.request.duration`, and
//!   qh's task metrics, for the requests of a `Tracking` layer given it
//!   (`Tracking::metrics`); [`init`] exports them over OTLP from the same
//!   variables (`OtelGuard::metrics`); `Prometheus` (feature
//!   `prometheus`) serves them to scrapes.
//!
//! The layer registers itself with the subscriber it is part of, not with
//! the process: the `Tracking` layer, `qh::logs` lines and outbound calls
//! find it in the subscriber a request runs under. A process with two
//! subscribers (tests, two apps) exports only the requests of the one that
//! has the layer.
//!
//! With a subscriber of your own, compose the layer yourself:
//!
//! ```no_run
//! use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};
//!
//! #[tokio::main]
//! async fn main() {
//!     // `None` (and an inert guard) when OTEL_EXPORTER_OTLP_ENDPOINT is unset.
//!     let (otel, _otel_guard) = qh::otel::layer_from_env();
//!     tracing_subscriber::registry()
//!         .with(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
//!         .with(otel)
//!         .with(tracing_subscriber::fmt::layer())
//!         .init();
//!     // ... serve; `_otel_guard` flushes the last spans when main returns.
//! }
//! ```
//!
//! The `EnvFilter` placed before the OpenTelemetry layer filters what is
//! exported too: the request span is an `INFO` span, so a `RUST_LOG` that
//! disables `INFO` for qh also stops its export.

mod client;
mod config;
mod error;
mod export;
mod guard;
mod ids;
mod install;
#[cfg(feature = "metrics")]
mod metrics;
mod span;

pub use config::OtelConfig;
pub use error::OtelError;
pub use export::{layer, layer_from_env, OtelLayer};
pub use guard::OtelGuard;
pub(crate) use ids::span_ids;
pub use ids::{current_ids, ids_of, set_remote_parent};
pub use install::{init, try_init};
#[cfg(feature = "prometheus")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
pub use metrics::Prometheus;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub use metrics::{Metrics, DURATION_BOUNDARIES};
pub(crate) use span::{continue_trace, link, rename};
pub use span::{record_route, record_status, server_span, server_span_at};
