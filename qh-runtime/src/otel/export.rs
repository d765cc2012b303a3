//! OTLP/HTTP export set up from the standard `OTEL_*` environment variables.

use std::fmt;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::trace::{SdkTracerProvider, Tracer};
use opentelemetry_sdk::Resource;
use tracing_subscriber::registry::LookupSpan;

use super::client::RuntimeClient;

/// The `tracing` layer that turns spans into OpenTelemetry spans (a
/// [`tracing_opentelemetry::OpenTelemetryLayer`] over the SDK's tracer).
pub type OtelLayer<S> = tracing_opentelemetry::OpenTelemetryLayer<S, Tracer>;

/// How long one export may take when `OTEL_EXPORTER_OTLP_TIMEOUT` is unset
/// (the specification's default).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The instrumentation scope qh's spans are reported under.
const SCOPE: &str = "qh";

/// Configuration of OTLP export over HTTP/protobuf.
///
/// [`OtelConfig::from_env`] reads the standard variables; the builder
/// methods override them (handy for tests and for programs that configure
/// export themselves). [`OtelConfig::install`] builds the layer.
///
/// | variable | meaning |
/// | --- | --- |
/// | `OTEL_EXPORTER_OTLP_ENDPOINT` | base URL of the collector, e.g. `http://localhost:4318`; spans go to `{base}/v1/traces`. Unset: export off |
/// | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | full URL for spans; wins over the base URL, and alone also turns export on |
/// | `OTEL_SERVICE_NAME` | the `service.name` resource attribute |
/// | `OTEL_RESOURCE_ATTRIBUTES` | more resource attributes, `key=value,key=value` |
/// | `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TRACES_HEADERS` | extra request headers, `key=value,…` (e.g. an API key) |
/// | `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` | export timeout in milliseconds (default 10000) |
/// | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | the sampler (default `parentbased_always_on`) |
/// | `OTEL_BSP_*` | batch size, queue size and delay of the batch processor |
/// | `OTEL_SDK_DISABLED=true`, `OTEL_TRACES_EXPORTER=none` | export off, whatever the endpoint |
///
/// `OtelConfig::default()` reads nothing and exports nothing until an
/// endpoint is given.
///
/// Only HTTP/protobuf is supported (`OTEL_EXPORTER_OTLP_PROTOCOL` is not
/// read), over plain `http://`: qh builds its HTTP client without TLS.
///
/// ```no_run
/// # #[tokio::main] async fn main() -> Result<(), qh::otel::OtelError> {
/// use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt};
///
/// let (layer, _guard) = qh::otel::OtelConfig::from_env()
///     .endpoint("http://127.0.0.1:4318")
///     .service_name("shop")
///     .install()?
///     .expect("an endpoint is set");
/// tracing_subscriber::registry().with(layer).init();
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct OtelConfig {
    traces_endpoint: Option<String>,
    service_name: Option<String>,
    timeout: Option<Duration>,
    disabled: bool,
}

impl OtelConfig {
    /// Reads the standard variables (see the table above). Export is on when
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`
    /// is set to a non-empty value.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any source of variables, so the
    /// rules can be checked without touching the process environment.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let traces_endpoint = var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            .or_else(|| var("OTEL_EXPORTER_OTLP_ENDPOINT").map(|base| traces_url(&base)));
        let timeout = var("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")
            .or_else(|| var("OTEL_EXPORTER_OTLP_TIMEOUT"))
            .and_then(|ms| ms.parse().ok())
            .map(Duration::from_millis);
        let disabled = var("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            || var("OTEL_TRACES_EXPORTER").is_some_and(|v| v.eq_ignore_ascii_case("none"));
        Self {
            traces_endpoint,
            // The SDK's resource detectors read OTEL_SERVICE_NAME and
            // OTEL_RESOURCE_ATTRIBUTES themselves.
            service_name: None,
            timeout,
            disabled,
        }
    }

    /// The collector's base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT`: spans go
    /// to `{base}/v1/traces`. Turns export on.
    pub fn endpoint(mut self, base: impl AsRef<str>) -> Self {
        self.traces_endpoint = Some(traces_url(base.as_ref()));
        self
    }

    /// The full URL spans are posted to, as
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`. Turns export on.
    pub fn traces_endpoint(mut self, url: impl Into<String>) -> Self {
        self.traces_endpoint = Some(url.into());
        self
    }

    /// The `service.name` resource attribute; wins over `OTEL_SERVICE_NAME`.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Whether [`install`](Self::install) will export: an endpoint is set
    /// and export is not disabled.
    pub fn is_enabled(&self) -> bool {
        self.traces_endpoint.is_some() && !self.disabled
    }

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
        Ok(Some((
            layer,
            OtelGuard {
                provider: Some(provider),
            },
        )))
    }
}

/// `{base}/v1/traces`, as the OTLP/HTTP specification derives the traces URL
/// from `OTEL_EXPORTER_OTLP_ENDPOINT`.
fn traces_url(base: &str) -> String {
    format!("{}/v1/traces", base.trim_end_matches('/'))
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
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer(SCOPE))
        // busy_ns/idle_ns attributes are not in the semantic conventions and
        // cost two clock reads per poll of every instrumented future.
        .with_tracked_inactivity(false)
}

/// Flushes and shuts down the exporter when dropped; from
/// [`OtelConfig::install`], [`init_from_env`] or [`layer_from_env`].
///
/// Dropping it blocks until the queued spans are sent, bounded by the SDK's
/// timeouts (about 5 s) when the collector is unreachable.
///
/// The sending runs as tasks on the tokio runtime `install` was called in.
/// On a multi-threaded runtime (`#[tokio::main]`'s default) dropping it at
/// the end of `main` just works. On a current-thread runtime, blocking its
/// only thread would also stop the sending until the timeout: drop it (or
/// call [`flush`](Self::flush)) from `tokio::task::spawn_blocking` while the
/// runtime still runs.
#[must_use = "export stops when the guard is dropped"]
pub struct OtelGuard {
    provider: Option<SdkTracerProvider>,
}

impl OtelGuard {
    /// Whether this guard owns an exporter (false for the inert guard of
    /// [`layer_from_env`] when export is off).
    pub fn is_active(&self) -> bool {
        self.provider.is_some()
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
        match &self.provider {
            Some(provider) => provider
                .force_flush()
                .map_err(|e| OtelError::new(format!("OTLP flush failed: {e}"))),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for OtelGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtelGuard")
            .field("active", &self.is_active())
            .finish()
    }
}

impl Drop for OtelGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            // Nothing useful to do with a failure while dropping: the spans
            // are lost either way, and the SDK already reported it.
            let _ = provider.shutdown();
        }
    }
}

/// Why OpenTelemetry export could not be set up or flushed.
#[derive(Debug)]
pub struct OtelError {
    message: String,
}

impl OtelError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for OtelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for OtelError {}

#[cfg(test)]
mod tests {
    use super::OtelConfig;

    fn config(vars: &[(&str, &str)]) -> OtelConfig {
        OtelConfig::from_vars(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn export_is_off_without_an_endpoint() {
        assert!(!config(&[]).is_enabled());
        assert!(!config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "  ")]).is_enabled());
        assert!(!config(&[("OTEL_SERVICE_NAME", "shop")]).is_enabled());
    }

    #[test]
    fn base_endpoint_gets_the_traces_path() {
        let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/")]);
        assert!(c.is_enabled());
        assert_eq!(
            c.traces_endpoint.as_deref(),
            Some("http://127.0.0.1:4318/v1/traces")
        );
    }

    #[test]
    fn traces_endpoint_wins_and_is_used_as_is() {
        let c = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://127.0.0.1:2/spans",
            ),
        ]);
        assert_eq!(
            c.traces_endpoint.as_deref(),
            Some("http://127.0.0.1:2/spans")
        );
    }

    #[test]
    fn sdk_disabled_and_exporter_none_turn_export_off() {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318");
        assert!(!config(&[endpoint, ("OTEL_SDK_DISABLED", "TRUE")]).is_enabled());
        assert!(!config(&[endpoint, ("OTEL_TRACES_EXPORTER", "none")]).is_enabled());
        assert!(config(&[endpoint, ("OTEL_SDK_DISABLED", "false")]).is_enabled());
    }

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

    #[test]
    fn timeout_is_read_in_milliseconds() {
        let c = config(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")]);
        assert_eq!(c.timeout, Some(std::time::Duration::from_millis(2500)));
        let c = config(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "soon")]);
        assert_eq!(c.timeout, None);
    }
}
