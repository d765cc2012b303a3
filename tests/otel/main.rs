//! OpenTelemetry export of the request span (feature `opentelemetry`):
//! in-memory checks of what the span carries, end-to-end exports over
//! OTLP/HTTP to a receiver on 127.0.0.1, and two services joined by a
//! typed call.

mod app;
// Two services on the typed client: one ID and one trace in both.
#[cfg(feature = "client")]
mod client;
mod export;
mod in_memory;
#[cfg(feature = "metrics")]
mod metrics;
mod trust;
mod two_subscribers;

#[allow(dead_code)]
#[path = "../common/capture.rs"]
mod capture;
