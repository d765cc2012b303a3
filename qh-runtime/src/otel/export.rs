//! Building the OTLP/HTTP exporter and the `tracing` layer, and `init`,
//! which installs them with qh's JSON logs as the global subscriber.

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::trace::{SdkTracerProvider, Tracer};
use opentelemetry_sdk::Resource;
use tracing_subscriber::layer::Layered;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use super::client::RuntimeClient;
use super::config::OtelConfig;
use super::error::Chain;
use super::guard::OtelGuard;
use super::OtelError;
use crate::context::export::{ExportHooks, HookFns};

/// The `tracing` layer that turns spans into OpenTelemetry spans: a
/// [`tracing_opentelemetry::OpenTelemetryLayer`] over the SDK's tracer,
/// layered with qh's export hooks.
///
/// The hooks are how the rest of qh finds this layer: the request's scope
/// asks the subscriber it runs under for them (as `tracing-opentelemetry`'s
/// own extension trait asks for its context), and with them the request
/// span continues the incoming trace, log lines carry the exported span's
/// IDs and outbound calls send it as their parent. A subscriber without
/// this layer has none of that, even in a process where another subscriber
/// has it.
///
/// # Examples
///
/// Naming it, to build the layer in a function of its own:
///
/// ```
/// use opentelemetry_sdk::trace::SdkTracerProvider;
/// use qh::otel::OtelLayer;
/// use tracing_subscriber::{layer::SubscriberExt, Registry};
///
/// fn otel_layer(provider: &SdkTracerProvider) -> OtelLayer<Registry> {
///     qh::otel::layer(provider)
/// }
///
/// let provider = SdkTracerProvider::builder().build();
/// let subscriber = tracing_subscriber::registry().with(otel_layer(&provider));
/// tracing::subscriber::with_default(subscriber, || {
///     let span = qh::otel::server_span("GET", Some("/health"), "req-1");
///     assert!(qh::otel::ids_of(&span).is_some()); // exported
/// });
/// ```
pub type OtelLayer<S> =
    Layered<tracing_opentelemetry::OpenTelemetryLayer<S, Tracer>, ExportHooks, S>;

/// How long one export may take when `OTEL_EXPORTER_OTLP_TIMEOUT` is unset
/// (the specification's default).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The instrumentation scope qh's spans are reported under.
const SCOPE: &str = "qh";

/// The hooks the OpenTelemetry layer carries.
const HOOKS: ExportHooks = ExportHooks {
    fns: &HookFns {
        continue_trace: super::continue_trace,
        link: super::link,
        span_ids: super::span_ids,
        rename: super::rename,
    },
};

/// No behaviour of its own: in the layer, it only answers the subscriber's
/// `downcast_ref::<ExportHooks>()` (`Layer`'s default `downcast_raw`
/// answers for the layer's own type).
impl<S: tracing::Subscriber> Layer<S> for ExportHooks {}

impl OtelConfig {
    /// Builds the exporter, a batch span processor and the `tracing` layer;
    /// installs nothing (see [`init`](super::init) for that).
    ///
    /// `Ok(None)` when export is off (no endpoint, or turned off by
    /// `OTEL_SDK_DISABLED` / `OTEL_TRACES_EXPORTER=none`): nothing is built
    /// and the program runs as without the feature. Otherwise the layer plus
    /// the [`OtelGuard`] that flushes and shuts the exporter down when
    /// dropped; keep the guard alive as long as spans should be exported
    /// (typically a `_guard` binding in `main`).
    ///
    /// Must be called inside a tokio runtime: exports run on it.
    ///
    /// # Errors
    ///
    /// [`OtelError`] when called outside a tokio runtime, when the endpoint
    /// is not an `http://` URL, or when the endpoint or a variable the
    /// exporter reads is invalid.
    pub fn build<S>(self) -> Result<Option<(OtelLayer<S>, OtelGuard)>, OtelError>
    where
        S: tracing::Subscriber + for<'span> LookupSpan<'span>,
    {
        let Some(endpoint) = self.traces_endpoint.clone().filter(|_| !self.disabled) else {
            return Ok(None);
        };
        let client = self.http_client(&endpoint)?;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(endpoint)
            .with_http_client(client)
            .build()
            .map_err(|e| OtelError::Exporter(Box::new(e)))?;
        let provider = SdkTracerProvider::builder()
            .with_resource(self.resource())
            .with_batch_exporter(exporter)
            .build();
        let layer = layer(&provider);
        let mut guard = OtelGuard::inert();
        guard.provider = Some(provider);
        #[cfg(feature = "metrics")]
        {
            guard.meters = self.build_metrics()?;
        }
        Ok(Some((layer, guard)))
    }

    /// The HTTP client an OTLP/HTTP exporter to `endpoint` sends with (on
    /// the current runtime): an `https://` endpoint is refused, as no TLS
    /// stack is built in.
    fn http_client(&self, endpoint: &str) -> Result<RuntimeClient, OtelError> {
        if !endpoint
            .get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
        {
            return Err(OtelError::NotHttp {
                endpoint: endpoint.to_owned(),
            });
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(OtelError::NoRuntime)?;
        RuntimeClient::new(runtime, self.timeout.unwrap_or(DEFAULT_TIMEOUT))
            .map_err(|e| OtelError::Client(Box::new(e)))
    }

    /// The resource spans and metrics are exported with (the service name).
    fn resource(&self) -> Resource {
        let mut resource = Resource::builder();
        if let Some(name) = &self.service_name {
            resource = resource.with_service_name(name.clone());
        }
        resource.build()
    }

    /// The OTLP/HTTP metrics exporter, a periodic reader (every
    /// `OTEL_METRIC_EXPORT_INTERVAL` ms, default 60 s) and qh's
    /// instruments on its provider; `None` when metrics export is off.
    #[cfg(feature = "metrics")]
    pub(super) fn build_metrics(
        &self,
    ) -> Result<Option<(opentelemetry_sdk::metrics::SdkMeterProvider, super::Metrics)>, OtelError>
    {
        let Some(endpoint) = self.metrics_endpoint.clone() else {
            return Ok(None);
        };
        let client = self.http_client(&endpoint)?;
        let exporter = opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(endpoint)
            .with_http_client(client)
            .build()
            .map_err(|e| OtelError::Exporter(Box::new(e)))?;
        let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
            .with_resource(self.resource())
            .with_reader(opentelemetry_sdk::metrics::PeriodicReader::builder(exporter).build())
            .build();
        let metrics = super::Metrics::new(&provider);
        Ok(Some((provider, metrics)))
    }
}

/// The infallible form for `main`: [`OtelConfig::from_env`]`().build()`,
/// with a configuration error reported on stderr and treated as "export
/// off", so a typo in an `OTEL_*` variable never stops the service. The
/// guard is inert when there is no layer.
///
/// `Option<Layer>` is itself a layer, so the result composes directly with
/// a subscriber of your own ([`init`](super::init) is this with qh's JSON logs):
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
    let config = OtelConfig::from_env();
    match config.clone().build() {
        Ok(Some((layer, guard))) => (Some(layer), guard),
        Ok(None) => (None, metrics_only(&config)),
        Err(e) => {
            // No subscriber is installed yet at this point, so stderr is the
            // only place the operator will see it.
            eprintln!("qh: OpenTelemetry export disabled: {}", Chain(&e));
            (None, OtelGuard::inert())
        }
    }
}

/// The guard when traces are not exported: metrics may still be (an error
/// setting them up is reported on stderr, as `layer_from_env` does).
pub(super) fn metrics_only(config: &OtelConfig) -> OtelGuard {
    #[allow(unused_mut)]
    let mut guard = OtelGuard::inert();
    #[cfg(feature = "metrics")]
    match config.build_metrics() {
        Ok(meters) => guard.meters = meters,
        Err(e) => eprintln!("qh: OpenTelemetry metrics export disabled: {}", Chain(&e)),
    }
    #[cfg(not(feature = "metrics"))]
    let _ = config;
    guard
}

/// The layer qh configures over any tracer provider: for tests with the
/// SDK's in-memory exporter, or a provider built by hand.
///
/// It is `tracing_opentelemetry::layer()` with the provider's tracer (scope
/// `qh`) and without the `busy_ns` / `idle_ns` attributes (spans keep their
/// `code.*` location and `thread.*` attributes), carrying qh's export hooks
/// (see [`OtelLayer`]).
///
/// ```
/// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
/// use tracing_subscriber::layer::SubscriberExt;
///
/// let exporter = InMemorySpanExporter::default();
/// let provider = SdkTracerProvider::builder()
///     .with_simple_exporter(exporter.clone())
///     .build();
/// let subscriber = tracing_subscriber::registry().with(qh::otel::layer(&provider));
/// tracing::subscriber::with_default(subscriber, || {
///     let span = qh::otel::server_span("GET", Some("/health"), "req-1");
///     qh::otel::record_status(&span, 200);
/// });
/// let spans = exporter.get_finished_spans().unwrap();
/// assert_eq!(spans[0].name, "GET /health");
/// ```
pub fn layer<S>(provider: &SdkTracerProvider) -> OtelLayer<S>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    HOOKS.and_then(
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer(SCOPE))
            // busy_ns/idle_ns attributes are not in the semantic conventions
            // and cost two clock reads per poll of every instrumented future.
            .with_tracked_inactivity(false),
    )
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::{OtelConfig, OtelError};

    #[test]
    fn build_outside_a_runtime_is_an_error_not_a_panic() {
        let err = OtelConfig::default()
            .endpoint("http://127.0.0.1:4318")
            .build::<tracing_subscriber::Registry>()
            .err()
            .expect("no runtime");
        assert!(err.to_string().contains("tokio runtime"), "{err}");
        assert!(matches!(err, OtelError::NoRuntime(_)), "{err:?}");
        assert!(err.source().is_some(), "the cause is kept");
    }

    #[tokio::test]
    async fn invalid_endpoint_is_an_error() {
        let err = OtelConfig::default()
            .traces_endpoint("http://exa mple/v1/traces")
            .build::<tracing_subscriber::Registry>()
            .err()
            .expect("invalid endpoint");
        assert!(err.to_string().contains("endpoint"), "{err}");
        assert!(matches!(err, OtelError::Exporter(_)), "{err:?}");
        // The exporter's own message, as its cause.
        let cause = err.source().expect("the cause is kept").to_string();
        assert!(!cause.is_empty(), "{err:?}");
    }

    #[tokio::test]
    async fn https_endpoint_is_an_error() {
        let err = OtelConfig::default()
            .endpoint("https://api.example.com")
            .build::<tracing_subscriber::Registry>()
            .err()
            .expect("no TLS");
        assert!(err.to_string().contains("`http://`"), "{err}");
        assert!(
            matches!(&err, OtelError::NotHttp { endpoint } if endpoint == "https://api.example.com/v1/traces"),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn default_config_builds_nothing() {
        assert!(OtelConfig::default()
            .build::<tracing_subscriber::Registry>()
            .unwrap()
            .is_none());
    }
}
