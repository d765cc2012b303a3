//! OpenTelemetry export of the request spans (cargo feature `opentelemetry`).
//!
//! Three pieces, each usable on its own:
//!
//! - **Set-up**: [`init_from_env`] / [`layer_from_env`] / [`OtelConfig`] build
//!   a `tracing` layer that exports spans over OTLP (HTTP/protobuf), configured
//!   from the standard `OTEL_*` environment variables, plus an [`OtelGuard`]
//!   that flushes and shuts the exporter down when dropped. With
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
//! The quickstart composes it with its own filter and formatter:
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
mod export;
mod guard;
mod ids;
mod span;

pub use config::OtelConfig;
pub use export::{init_from_env, layer_from_env, layer_with_provider, OtelLayer};
pub use guard::{OtelError, OtelGuard};
pub use ids::{current_ids, ids_of, set_remote_parent, TraceIds};
pub(crate) use span::{continue_trace, rename};
pub use span::{record_route, record_status, server_span, server_span_at};
