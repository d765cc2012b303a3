//! What to export to: the standard `OTEL_*` environment variables, or the
//! same settings given in code.

use std::time::Duration;

/// Configuration of OTLP export over HTTP/protobuf.
///
/// [`OtelConfig::from_env`] reads the standard variables; the builder
/// methods override them (handy for tests and for programs that configure
/// export themselves). [`OtelConfig::build`] builds the layer.
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
/// | `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` | full URL for metrics (feature `metrics`); else `{base}/v1/metrics` |
/// | `OTEL_METRIC_EXPORT_INTERVAL` | milliseconds between metric exports (default 60000) |
/// | `OTEL_METRICS_EXPORTER=none` | metrics export off |
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
///     .build()?
///     .expect("an endpoint is set");
/// tracing_subscriber::registry().with(layer).init();
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct OtelConfig {
    pub(super) traces_endpoint: Option<String>,
    /// Where metrics go (feature `metrics`); off when `None`.
    pub(super) metrics_endpoint: Option<String>,
    pub(super) service_name: Option<String>,
    pub(super) timeout: Option<Duration>,
    pub(super) disabled: bool,
}

impl OtelConfig {
    /// Reads the standard variables (see the table above). Export is on when
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`
    /// is set to a non-empty value.
    #[must_use]
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
        let metrics_endpoint = var("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
            .or_else(|| var("OTEL_EXPORTER_OTLP_ENDPOINT").map(|base| metrics_url(&base)))
            .filter(|_| {
                !var("OTEL_METRICS_EXPORTER").is_some_and(|v| v.eq_ignore_ascii_case("none"))
                    && !var("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            });
        let timeout = var("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")
            .or_else(|| var("OTEL_EXPORTER_OTLP_TIMEOUT"))
            .and_then(|ms| ms.parse().ok())
            .map(Duration::from_millis);
        let disabled = var("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            || var("OTEL_TRACES_EXPORTER").is_some_and(|v| v.eq_ignore_ascii_case("none"));
        Self {
            traces_endpoint,
            metrics_endpoint,
            // The SDK's resource detectors read OTEL_SERVICE_NAME and
            // OTEL_RESOURCE_ATTRIBUTES themselves.
            service_name: None,
            timeout,
            disabled,
        }
    }

    /// The collector's base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT`: spans go
    /// to `{base}/v1/traces`. Turns export on.
    #[must_use]
    pub fn endpoint(mut self, base: impl AsRef<str>) -> Self {
        self.traces_endpoint = Some(traces_url(base.as_ref()));
        self.metrics_endpoint = Some(metrics_url(base.as_ref()));
        self
    }

    /// The full URL spans are posted to, as
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`. Turns export on.
    #[must_use]
    pub fn traces_endpoint(mut self, url: impl Into<String>) -> Self {
        self.traces_endpoint = Some(url.into());
        self
    }

    /// The `service.name` resource attribute; wins over `OTEL_SERVICE_NAME`.
    #[must_use]
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Whether [`build`](Self::build) will export: an endpoint is set and
    /// export is not disabled.
    #[cfg(test)]
    fn is_enabled(&self) -> bool {
        self.traces_endpoint.is_some() && !self.disabled
    }
}

/// `{base}/v1/metrics`, as the OTLP/HTTP specification derives it.
fn metrics_url(base: &str) -> String {
    format!("{}/v1/metrics", base.trim_end_matches('/'))
}

/// `{base}/v1/traces`, as the OTLP/HTTP specification derives the traces URL
/// from `OTEL_EXPORTER_OTLP_ENDPOINT`.
fn traces_url(base: &str) -> String {
    format!("{}/v1/traces", base.trim_end_matches('/'))
}

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
    fn timeout_is_read_in_milliseconds() {
        let c = config(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")]);
        assert_eq!(c.timeout, Some(std::time::Duration::from_millis(2500)));
        let c = config(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "soon")]);
        assert_eq!(c.timeout, None);
    }
}
