//! Installing qh's subscriber with the OpenTelemetry layer as the
//! global default: [`init`] and [`try_init`].

use tracing_subscriber::layer::{Layered, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Registry};

use super::config::OtelConfig;
use super::error::Chain;
use super::export::{layer_from_env, metrics_only, OtelLayer};
use super::guard::OtelGuard;
use super::OtelError;

/// The filter [`init`] uses when `RUST_LOG` is unset or invalid.
const DEFAULT_FILTER: &str = "info";

/// Installs the global `tracing` subscriber a service usually wants, and
/// returns the guard that keeps export running:
///
/// - a filter from `RUST_LOG` (default `info`);
/// - qh's JSON lines on stdout ([`qh::logs::layer`](crate::logs::layer)),
///   each carrying the request's `request_id`, `trace_id` and `span_id`;
/// - the OpenTelemetry layer, exporting over OTLP/HTTP when the `OTEL_*`
///   variables turn export on ([`layer_from_env`]: a configuration error is
///   reported on stderr and export stays off, the service runs); its tracer
///   provider also becomes OpenTelemetry's global one, for libraries that
///   use the `opentelemetry` API directly.
///
/// Call it once, inside the tokio runtime (exports run on it), and keep the
/// guard until the end of `main`: dropping it sends the last spans.
///
/// ```no_run
/// #[tokio::main]
/// async fn main() {
///     let _otel = qh::otel::init();
///     // ... serve ...
/// }
/// ```
///
/// # Panics
///
/// When a global subscriber is already installed (use [`try_init`] to
/// handle that).
pub fn init() -> OtelGuard {
    let (otel, guard) = layer_from_env();
    if let Err(e) = install(otel, &guard) {
        panic!("qh::otel::init(): {}", Chain(&e));
    }
    guard
}

/// [`init`], with errors returned instead: a configuration error (nothing
/// is installed then) and an already installed global subscriber.
///
/// # Errors
///
/// As [`OtelConfig::build`], and [`OtelError::Install`] when a global
/// subscriber is already installed.
///
/// # Examples
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     // A bad `OTEL_*` variable stops the service here, not silently later.
///     let otel = qh::otel::try_init()?;
///     println!("exporting spans: {}", otel.is_active());
///     // ... serve; dropping `otel` sends the last spans.
///     Ok(())
/// }
/// ```
pub fn try_init() -> Result<OtelGuard, OtelError> {
    let config = OtelConfig::from_env();
    let (otel, guard) = match config.clone().build()? {
        Some((layer, guard)) => (Some(layer), guard),
        None => (None, metrics_only(&config)),
    };
    install(otel, &guard)?;
    Ok(guard)
}

/// What [`init`]'s OpenTelemetry layer is layered on: the registry, the
/// `RUST_LOG` filter and qh's JSON lines.
type Logged = Layered<
    tracing_subscriber::fmt::Layer<
        Layered<EnvFilter, Registry>,
        crate::logs::JsonFields,
        crate::logs::JsonFormat,
    >,
    Layered<EnvFilter, Registry>,
>;

/// The subscriber of [`init`], with `otel`, installed globally; the guard's
/// provider becomes OpenTelemetry's global one once that succeeded.
fn install(otel: Option<OtelLayer<Logged>>, guard: &OtelGuard) -> Result<(), OtelError> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    tracing_subscriber::registry()
        .with(filter)
        .with(crate::logs::layer())
        .with(otel)
        .try_init()
        .map_err(|e| OtelError::Install(Box::new(e)))?;
    if let Some(provider) = guard.provider() {
        opentelemetry::global::set_tracer_provider(provider.clone());
    }
    #[cfg(feature = "metrics")]
    if let Some(provider) = guard.meter_provider() {
        opentelemetry::global::set_meter_provider(provider.clone());
    }
    Ok(())
}
