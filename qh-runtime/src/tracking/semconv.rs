//! The OpenTelemetry semantic conventions for HTTP server spans, as plain
//! `tracing` fields: what `tracing-opentelemetry` turns into the span's name,
//! kind, status and attributes. Pure: no exporter is needed to compute them.

use std::fmt;

use crate::context::meter::{RequestAttrs, METHODS};

/// The convention's values for a request span.
pub(crate) struct ServerFields<'a> {
    /// `"{METHOD} {route}"`, or `"{METHOD}"` without a route.
    pub(crate) name: SpanName<'a>,
    /// The method as the conventions report it (`_OTHER` when not standard).
    pub(crate) method: &'static str,
    /// The original method, only when it is not one of the standard nine.
    pub(crate) method_original: Option<&'a str>,
    /// `url.scheme`.
    pub(crate) scheme: &'static str,
    /// `network.protocol.version`.
    pub(crate) version: &'static str,
}

/// The values for a request with this method and matched route template.
pub(crate) fn server_fields<'a>(
    method: &'a str,
    route: Option<&'a str>,
    protocol: RequestAttrs,
) -> ServerFields<'a> {
    let known = known_method(method);
    ServerFields {
        name: SpanName {
            method: known.unwrap_or("HTTP"),
            route,
        },
        method: known.unwrap_or("_OTHER"),
        method_original: known.is_none().then_some(method),
        scheme: protocol.scheme(),
        version: protocol.version_name(),
    }
}

/// Records the response status: `http.response.status_code`, and for a
/// 5xx the span status `ERROR` and `error.type` (the status code, as the
/// conventions ask; for a server span they leave 4xx unset: the client
/// erred, not the server).
pub(crate) fn record_status(span: &tracing::Span, status: u16) {
    span.record("http.response.status_code", i64::from(status));
    if status >= 500 {
        span.record("otel.status_code", "error");
        span.record("error.type", tracing::field::display(status));
    }
}

/// The span name, formatted only by a layer that wants it (a disabled span
/// or a plain fmt layer allocates nothing for it).
pub(crate) struct SpanName<'a> {
    pub(crate) method: &'a str,
    pub(crate) route: Option<&'a str>,
}

impl fmt::Display for SpanName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.route {
            Some(route) => write!(f, "{} {route}", self.method),
            None => f.write_str(self.method),
        }
    }
}

/// The method's canonical name when it is one of the nine of RFC 9110 and
/// RFC 5789 (PATCH); the conventions report any other as `_OTHER`, so a
/// client cannot mint unbounded attribute values.
pub(crate) fn known_method(method: &str) -> Option<&'static str> {
    METHODS.into_iter().find(|k| *k == method)
}

#[cfg(test)]
mod tests {
    use super::known_method;

    #[test]
    fn only_standard_methods_are_known() {
        assert_eq!(known_method("GET"), Some("GET"));
        assert_eq!(known_method("PATCH"), Some("PATCH"));
        // Methods are case-sensitive (RFC 9110 §9.1).
        assert_eq!(known_method("get"), None);
        assert_eq!(known_method("PROPFIND"), None);
    }
}
