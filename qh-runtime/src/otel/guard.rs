//! The handle that keeps export running, and the error of set-up and flush.

use std::fmt;

use opentelemetry_sdk::trace::SdkTracerProvider;

/// Flushes and shuts down the exporter when dropped; from
/// [`OtelConfig::install`](super::OtelConfig::install), [`init_from_env`](super::init_from_env)
/// or [`layer_from_env`](super::layer_from_env).
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
    pub(super) provider: Option<SdkTracerProvider>,
}

impl OtelGuard {
    /// Whether this guard owns an exporter (false for the inert guard of
    /// [`layer_from_env`](super::layer_from_env) when export is off).
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
    pub(super) fn new(message: impl Into<String>) -> Self {
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
