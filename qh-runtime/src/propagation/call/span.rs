//! The client span of a call, with the semantic conventions' attributes
//! for its kind (HTTP or gRPC), exported or not.

use http::Method;
use tracing::field::Empty;
use tracing::Span;

use super::target::Target;
#[cfg(feature = "grpc")]
use crate::tracking::grpc::Rpc;
use crate::tracking::semconv::known_method;

/// What kind of call a client span describes.
#[derive(Clone, Copy)]
pub(crate) enum Kind<'a> {
    Http(&'a Method),
    /// A gRPC call to `path` (`/package.Service/Method`).
    #[cfg(feature = "grpc")]
    Grpc(&'a str),
}

/// The client span of a call.
pub(super) fn make_span(
    kind: Kind<'_>,
    target: &Target<'_>,
    id: Option<&str>,
    exported: bool,
) -> Span {
    // Unknown (a tonic layer outside the channel that adds the origin):
    // left out.
    let address = Some(target.address()).filter(|a| !a.is_empty());
    let port = address.map(|_| i64::from(target.port()));
    match kind {
        Kind::Http(method) => {
            let known = known_method(method.as_str());
            let method_text = known.unwrap_or("_OTHER");
            let original = known.is_none().then(|| method.as_str());
            let url = target.url();
            if exported {
                tracing::info_span!(
                    "client",
                    otel.name = known.unwrap_or("HTTP"),
                    otel.kind = "client",
                    otel.status_code = Empty,
                    http.request.method = method_text,
                    http.request.method_original = original,
                    server.address = address,
                    server.port = port,
                    url.full = url.as_str(),
                    http.response.status_code = Empty,
                    error.type = Empty,
                    request_id = id,
                )
            } else {
                tracing::info_span!(
                    "client",
                    http.request.method = method_text,
                    http.request.method_original = original,
                    server.address = address,
                    server.port = port,
                    url.full = url.as_str(),
                    http.response.status_code = Empty,
                    error.type = Empty,
                    request_id = id,
                    span_id = Empty,
                )
            }
        }
        #[cfg(feature = "grpc")]
        Kind::Grpc(path) => {
            // The path is the app's own call: named after it when it has
            // the shape of a method.
            let rpc = Rpc::from_path(path);
            let name = rpc.map_or(crate::tracking::grpc::UNKNOWN_NAME, |r| r.name);
            let (service, method) = (rpc.map(|r| r.service), rpc.map(|r| r.method));
            if exported {
                tracing::info_span!(
                    "client",
                    otel.name = name,
                    otel.kind = "client",
                    otel.status_code = Empty,
                    rpc.system = "grpc",
                    rpc.service = service,
                    rpc.method = method,
                    rpc.grpc.status_code = Empty,
                    server.address = address,
                    server.port = port,
                    error.type = Empty,
                    request_id = id,
                )
            } else {
                tracing::info_span!(
                    "client",
                    rpc.system = "grpc",
                    rpc.service = service,
                    rpc.method = method,
                    rpc.grpc.status_code = Empty,
                    server.address = address,
                    server.port = port,
                    error.type = Empty,
                    request_id = id,
                    span_id = Empty,
                )
            }
        }
    }
}
