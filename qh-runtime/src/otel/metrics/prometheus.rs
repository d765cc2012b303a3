//! [`Prometheus`]: qh's metrics (and the app's own) as a scrape endpoint.
#![cfg(feature = "prometheus")]

use std::fmt;

use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use prometheus::{Encoder, TextEncoder};

use super::Metrics;
use crate::otel::OtelError;

/// A meter provider read by Prometheus scrapes (cargo feature
/// `prometheus`): the OpenTelemetry project's exporter
/// (`opentelemetry-prometheus`) over a `prometheus` registry, served in
/// the Prometheus text format.
///
/// OpenTelemetry names become Prometheus names (`.` → `_`, the unit as a
/// suffix, `_total` on counters): `http.server.request.duration` is
/// `http_server_request_duration_seconds` (`_bucket`, `_sum`, `_count`),
/// `qh.tasks.submitted` is `qh_tasks_submitted_total`.
///
/// ```
/// use axum::{routing::get, Router};
///
/// let prometheus = qh::otel::Prometheus::new()?;
/// let app: Router = Router::new()
///     .route("/", get(|| async { "ok" }))
///     .layer(qh::Tracking::new().metrics(&prometheus.metrics()))
///     // Outside the layer: scrapes are not requests of the app.
///     .route("/metrics", prometheus.scrape());
/// # Ok::<(), qh::otel::OtelError>(())
/// ```
#[derive(Clone)]
pub struct Prometheus {
    registry: prometheus::Registry,
    provider: SdkMeterProvider,
    metrics: Metrics,
}

impl fmt::Debug for Prometheus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prometheus").finish_non_exhaustive()
    }
}

/// The content type of the text format (version 0.0.4).
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

impl Prometheus {
    /// A registry of its own, the exporter reading into it, and a meter
    /// provider with that exporter as its reader.
    ///
    /// # Errors
    ///
    /// [`OtelError::Exporter`] when the exporter cannot be built.
    pub fn new() -> Result<Self, OtelError> {
        let registry = prometheus::Registry::new();
        let exporter = opentelemetry_prometheus::exporter()
            .with_registry(registry.clone())
            .build()
            .map_err(|e| OtelError::Exporter(Box::new(e)))?;
        let provider = SdkMeterProvider::builder().with_reader(exporter).build();
        let metrics = Metrics::new(&provider);
        Ok(Self {
            registry,
            provider,
            metrics,
        })
    }

    /// qh's instruments on this provider, for
    /// [`Tracking::metrics`](crate::Tracking::metrics).
    #[must_use]
    pub fn metrics(&self) -> Metrics {
        self.metrics.clone()
    }

    /// The meter provider, for the app's own instruments.
    #[must_use]
    pub fn provider(&self) -> &SdkMeterProvider {
        &self.provider
    }

    /// Every metric now, in the Prometheus text format.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding into memory fails only on a malformed family, which the
        // exporter does not make: such a scrape is answered empty.
        if TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .is_err()
        {
            out.clear();
        }
        String::from_utf8(out).unwrap_or_default()
    }

    /// A `GET` route answering scrapes: `.route("/metrics", prometheus.scrape())`.
    pub fn scrape<S: Clone + Send + Sync + 'static>(&self) -> MethodRouter<S> {
        let this = self.clone();
        axum::routing::get(move || {
            let text = this.render();
            async move {
                let mut res: Response = text.into_response();
                res.headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static(TEXT_FORMAT));
                res
            }
        })
    }
}
