//! Building the OTLP/HTTP exporter and the `tracing` layer.

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::trace::{SdkTracerProvider, Tracer};
use opentelemetry_sdk::Resource;
use tracing_subscriber::registry::LookupSpan;

use super::client::RuntimeClient;
use super::config::OtelConfig;
use super::guard::{OtelError, OtelGuard};

/// The `tracing` layer that turns spans into OpenTelemetry spans (a
/// [`tracing_opentelemetry::OpenTelemetryLayer`] over the SDK's tracer).
pub type OtelLayer<S> = tracing_opentelemetry::OpenTelemetryLayer<S, Tracer>;

/// How long one export may take when `OTEL_EXPORTER_OTLP_TIMEOUT` is unset
/// (the specification's default).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The instrumentation scope qh's spans are reported under.
const SCOPE: &str = "qh";

impl OtelConfig {
    /// Builds the exporter, a batch span processor and the `tracing` layer.
    ///
    /// `Ok(None)` when export is off ([`is_enabled`](Self::is_enabled) is
    /// false): nothing is built and the program runs as without the feature.
    /// Otherwise the layer plus the [`OtelGuard`] that flushes and shuts the
    /// exporter down when dropped; keep the guard alive as long as spans
    /// should be exported (typically a `_guard` binding in `main`). The
    /// provider is also installed as OpenTelemetry's global tracer provider,
    /// for libraries that use the `opentelemetry` API directly.
    ///
    /// Must be called inside a tokio runtime: exports run on it.
    ///
    /// # Errors
    ///
    /// [`OtelError`] when called outside a tokio runtime, when the endpoint
    /// is not an `http://` URL, or when the endpoint or a variable the
    /// exporter reads is invalid.
    pub fn install<S>(self) -> Result<Option<(OtelLayer<S>, OtelGuard)>, OtelError>
    where
        S: tracing::Subscriber + for<'span> LookupSpan<'span>,
    {
        let Some(endpoint) = self.traces_endpoint.filter(|_| !self.disabled) else {
            return Ok(None);
        };
        if !endpoint
            .get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
        {
            // Caught here because the SDK reports export failures nowhere
            // by default: an `https://` URL would fail silently forever.
            return Err(OtelError::new(format!(
                "OTLP endpoint `{endpoint}` is not an `http://` URL: qh exports over plain HTTP \
                 (use a local collector, which can forward over TLS)"
            )));
        }
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| OtelError::new("qh::otel must be set up inside a tokio runtime"))?;
        let client = RuntimeClient::new(runtime, self.timeout.unwrap_or(DEFAULT_TIMEOUT))
            .map_err(|e| OtelError::new(format!("cannot build the OTLP HTTP client: {e}")))?;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(endpoint)
            .with_http_client(client)
            .build()
            .map_err(|e| OtelError::new(format!("cannot build the OTLP exporter: {e}")))?;
        let mut resource = Resource::builder();
        if let Some(name) = self.service_name {
            resource = resource.with_service_name(name);
        }
        let provider = SdkTracerProvider::builder()
            .with_resource(resource.build())
            .with_batch_exporter(exporter)
            .build();
        opentelemetry::global::set_tracer_provider(provider.clone());
        let layer = layer_with_provider(&provider);
        // `qh::logs` lines then carry the OpenTelemetry span's IDs.
        #[cfg(feature = "logs")]
        // Already set (a second install): the first source stays, and it
        // reads the same global tracer.
        let _ = crate::logs::set_trace_id_source(super::current_ids);
        Ok(Some((
            layer,
            OtelGuard {
                provider: Some(provider),
            },
        )))
    }
}

/// [`OtelConfig::from_env`]`().install()`: the layer and guard when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is
/// set, `Ok(None)` when it is not.
///
/// # Errors
///
/// As [`OtelConfig::install`].
pub fn init_from_env<S>() -> Result<Option<(OtelLayer<S>, OtelGuard)>, OtelError>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    OtelConfig::from_env().install()
}

/// The infallible form for `main`: [`init_from_env`], with a configuration
/// error reported on stderr and treated as "export off", so a typo in an
/// `OTEL_*` variable never stops the service. The guard is inert when there
/// is no layer.
///
/// `Option<Layer>` is itself a layer, so the result composes directly:
///
/// ```no_run
/// # #[tokio::main] async fn main() {
/// use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt};
///
/// let (otel, _otel_guard) = qh::otel::layer_from_env();
/// tracing_subscriber::registry()
///     .with(otel)
///     .with(tracing_subscriber::fmt::layer())
///     .init();
/// # }
/// ```
pub fn layer_from_env<S>() -> (Option<OtelLayer<S>>, OtelGuard)
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    match init_from_env() {
        Ok(Some((layer, guard))) => (Some(layer), guard),
        Ok(None) => (None, OtelGuard { provider: None }),
        Err(e) => {
            // No subscriber is installed yet at this point, so stderr is the
            // only place the operator will see it.
            eprintln!("qh: OpenTelemetry export disabled: {e}");
            (None, OtelGuard { provider: None })
        }
    }
}

/// The layer qh configures over any tracer provider: for tests with the
/// SDK's in-memory exporter, or a provider built by hand.
///
/// It is `tracing_opentelemetry::layer()` with the provider's tracer (scope
/// `qh`) and without the `busy_ns` / `idle_ns` attributes; spans keep their
/// `code.*` location and `thread.*` attributes.
///
/// ```
/// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
/// use tracing_subscriber::layer::SubscriberExt;
///
/// let exporter = InMemorySpanExporter::default();
/// let provider = SdkTracerProvider::builder()
///     .with_simple_exporter(exporter.clone())
///     .build();
/// let subscriber = tracing_subscriber::registry()
///     .with(qh::otel::layer_with_provider(&provider));
/// tracing::subscriber::with_default(subscriber, || {
///     let span = qh::otel::server_span("GET", Some("/health"), "req-1");
///     qh::otel::record_status(&span, 200);
/// });
/// let spans = exporter.get_finished_spans().unwrap();
/// assert_eq!(spans[0].name, "GET /health");
/// ```
pub fn layer_with_provider<S>(provider: &SdkTracerProvider) -> OtelLayer<S>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    crate::tracking::export::register(crate::tracking::export::Exporter {
        continue_trace: super::continue_trace,
        current_ids: super::current_ids,
        rename: super::rename,
    });
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer(SCOPE))
        // busy_ns/idle_ns attributes are not in the semantic conventions and
        // cost two clock reads per poll of every instrumented future.
        .with_tracked_inactivity(false)
}

#[cfg(test)]
mod tests {
    use super::OtelConfig;

    #[test]
    fn install_outside_a_runtime_is_an_error_not_a_panic() {
        let err = OtelConfig::default()
            .endpoint("http://127.0.0.1:4318")
            .install::<tracing_subscriber::Registry>()
            .err()
            .expect("no runtime");
        assert!(err.to_string().contains("tokio runtime"), "{err}");
    }

    #[tokio::test]
    async fn invalid_endpoint_is_an_error() {
        let err = OtelConfig::default()
            .traces_endpoint("http://exa mple/v1/traces")
            .install::<tracing_subscriber::Registry>()
            .err()
            .expect("invalid endpoint");
        assert!(err.to_string().contains("endpoint"), "{err}");
    }

    #[tokio::test]
    async fn https_endpoint_is_an_error() {
        let err = OtelConfig::default()
            .endpoint("https://api.example.com")
            .install::<tracing_subscriber::Registry>()
            .err()
            .expect("no TLS");
        assert!(err.to_string().contains("`http://`"), "{err}");
    }

    #[tokio::test]
    async fn default_config_installs_nothing() {
        assert!(OtelConfig::default()
            .install::<tracing_subscriber::Registry>()
            .unwrap()
            .is_none());
    }
}
