//! The handle that keeps export running.

use std::fmt;

use opentelemetry_sdk::trace::SdkTracerProvider;

use super::OtelError;

/// Flushes and shuts down the exporter when dropped; from
/// [`init`](super::init), [`OtelConfig::build`](super::OtelConfig::build)
/// or [`layer_from_env`](super::layer_from_env).
///
/// Dropping it blocks until the queued spans are sent, bounded by the SDK's
/// timeouts (about 5 s) when the collector is unreachable.
///
/// The sending runs as tasks on the tokio runtime export was set up in.
/// On a multi-threaded runtime (`#[tokio::main]`'s default) dropping it at
/// the end of `main` just works. On a current-thread runtime, blocking its
/// only thread would also stop the sending until the timeout: drop it (or
/// call [`flush`](Self::flush)) from `tokio::task::spawn_blocking` while the
/// runtime still runs.
///
/// # Examples
///
/// ```no_run
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     let otel = qh::otel::init();
///     // ... serve ...
///     // The last spans go out while the runtime can still send them.
///     tokio::task::spawn_blocking(move || {
///         if let Err(e) = otel.flush() {
///             eprintln!("{e}");
///         }
///         drop(otel);
///     })
///     .await
///     .unwrap();
/// }
/// ```
#[must_use = "export stops when the guard is dropped"]
pub struct OtelGuard {
    pub(super) provider: Option<SdkTracerProvider>,
    #[cfg(feature = "metrics")]
    pub(super) meters: Option<(opentelemetry_sdk::metrics::SdkMeterProvider, super::Metrics)>,
    #[cfg(feature = "metrics")]
    pub(super) inert_metrics: super::Metrics,
}

impl OtelGuard {
    /// A guard owning nothing: export is off.
    pub(super) fn inert() -> Self {
        Self {
            provider: None,
            #[cfg(feature = "metrics")]
            meters: None,
            #[cfg(feature = "metrics")]
            inert_metrics: super::Metrics::inert(),
        }
    }

    /// qh's metrics, exported over OTLP/HTTP when the `OTEL_*` variables
    /// turn metrics export on (feature `metrics`); an inert
    /// [`Metrics`](super::Metrics) otherwise. For
    /// [`Tracking::metrics`](crate::Tracking::metrics).
    #[cfg(feature = "metrics")]
    #[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
    #[must_use]
    pub fn metrics(&self) -> &super::Metrics {
        match &self.meters {
            Some((_, metrics)) => metrics,
            None => &self.inert_metrics,
        }
    }

    /// The provider it shuts down, when export is on.
    pub(super) fn provider(&self) -> Option<&SdkTracerProvider> {
        self.provider.as_ref()
    }

    /// Whether this guard owns an exporter (false for the inert guard of
    /// [`layer_from_env`](super::layer_from_env) when export is off).
    pub fn is_active(&self) -> bool {
        self.provider.is_some()
    }

    /// The meter provider metrics are exported through, when they are.
    #[cfg(feature = "metrics")]
    pub(super) fn meter_provider(&self) -> Option<&opentelemetry_sdk::metrics::SdkMeterProvider> {
        self.meters.as_ref().map(|(provider, _)| provider)
    }

    /// Sends every finished span now, blocking until the collector answered
    /// or the SDK's flush timeout passed. Call it from a blocking context
    /// (`tokio::task::spawn_blocking`) on a single-threaded runtime: the
    /// export itself runs on the runtime.
    ///
    /// # Errors
    ///
    /// When the export failed or timed out.
    pub fn flush(&self) -> Result<(), OtelError> {
        #[cfg(feature = "metrics")]
        if let Some((provider, _)) = &self.meters {
            provider
                .force_flush()
                .map_err(|e| OtelError::Flush(Box::new(e)))?;
        }
        match &self.provider {
            Some(provider) => provider
                .force_flush()
                .map_err(|e| OtelError::Flush(Box::new(e))),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for OtelGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtelGuard")
            .field("active", &self.is_active())
            .finish_non_exhaustive()
    }
}

impl Drop for OtelGuard {
    fn drop(&mut self) {
        #[cfg(feature = "metrics")]
        if let Some((provider, _)) = self.meters.take() {
            // The last export happens here.
            let _ = provider.shutdown();
        }
        if let Some(provider) = self.provider.take() {
            // Nothing useful to do with a failure while dropping: the spans
            // are lost either way, and the SDK already reported it.
            let _ = provider.shutdown();
        }
    }
}
