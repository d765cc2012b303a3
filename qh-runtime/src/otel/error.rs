//! Why export could not be set up or flushed.

use std::error::Error;
use std::fmt;

/// Why OpenTelemetry export could not be set up, installed or flushed. The
/// underlying error, when there is one, is its [`source`](Error::source).
///
/// # Examples
///
/// A service that refuses to start with a mistyped collector URL, but runs
/// without export when another subscriber is already installed:
///
/// ```no_run
/// use qh::otel::OtelError;
///
/// #[tokio::main]
/// async fn main() -> Result<(), OtelError> {
///     let _otel = match qh::otel::try_init() {
///         Ok(guard) => Some(guard),
///         Err(OtelError::Install(e)) => {
///             eprintln!("tracing already set up, export off: {e}");
///             None
///         }
///         Err(e) => return Err(e), // NotHttp, Exporter, …
///     };
///     // ... serve ...
///     Ok(())
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum OtelError {
    /// The endpoint is not an `http://` URL: qh exports over plain HTTP
    /// (a local collector can forward over TLS). Caught at set-up because
    /// the SDK reports export failures nowhere by default: an `https://`
    /// URL would fail silently forever.
    NotHttp {
        /// The traces URL as configured.
        endpoint: String,
    },
    /// Set up outside a tokio runtime: exports run on it.
    NoRuntime(tokio::runtime::TryCurrentError),
    /// The HTTP client the exporter sends with could not be built.
    Client(Box<dyn Error + Send + Sync>),
    /// The exporter could not be built: its endpoint or a variable it reads
    /// (`OTEL_EXPORTER_OTLP_*`) is invalid.
    Exporter(Box<dyn Error + Send + Sync>),
    /// Flushing the finished spans failed or timed out.
    Flush(Box<dyn Error + Send + Sync>),
    /// A global `tracing` subscriber was already installed
    /// ([`try_init`](super::try_init)).
    Install(Box<dyn Error + Send + Sync>),
}

impl fmt::Display for OtelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotHttp { endpoint } => write!(
                f,
                "OTLP endpoint `{endpoint}` is not an `http://` URL: qh exports over plain HTTP \
                 (use a local collector, which can forward over TLS)"
            ),
            Self::NoRuntime(_) => f.write_str("qh::otel must be set up inside a tokio runtime"),
            Self::Client(_) => f.write_str("cannot build the OTLP HTTP client"),
            Self::Exporter(_) => f.write_str(
                "cannot build the OTLP exporter: check the endpoint and the OTEL_EXPORTER_OTLP_* \
                 variables",
            ),
            Self::Flush(_) => f.write_str("OTLP flush failed"),
            Self::Install(_) => f.write_str("cannot install the global tracing subscriber"),
        }
    }
}

impl Error for OtelError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::NotHttp { .. } => None,
            Self::NoRuntime(e) => Some(e),
            Self::Client(e) | Self::Exporter(e) | Self::Flush(e) | Self::Install(e) => Some(&**e),
        }
    }
}

/// The error and its causes on one line, for stderr (where `main`'s
/// set-up reports what no subscriber can log yet).
pub(super) struct Chain<'a>(pub(super) &'a OtelError);

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}
