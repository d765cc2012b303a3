//! gRPC requests under the request scope: recognised by their content type,
//! named by their method (`package.Service/Method`) in the span, their
//! status read from `grpc-status` (in the trailers, or in the headers of a
//! trailers-only answer), and every answer qh makes itself a gRPC status,
//! never a problem document (a gRPC client reads that as a broken frame).
//! Pure `http`: no gRPC library is needed for any of it.

use axum::body::Body;
use axum::response::Response;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

/// The `grpc-status` header or trailer.
pub(crate) const GRPC_STATUS: HeaderName = HeaderName::from_static("grpc-status");
/// The `grpc-message` header or trailer.
const GRPC_MESSAGE: HeaderName = HeaderName::from_static("grpc-message");

/// The status code `INTERNAL`.
pub(crate) const INTERNAL: u16 = 13;

/// The longest `package.Service/Method` named in a span; a longer one (or
/// one with other characters) is a client's invention, and not named.
const MAX_RPC_NAME: usize = 256;

/// Whether the request is a gRPC call (`content-type: application/grpc`,
/// `application/grpc+proto`, …).
pub(crate) fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(b"application/grpc"))
}

/// A gRPC call's method, from its path `/{service}/{method}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rpc<'a> {
    /// `package.Service/Method`: the span's name.
    pub(crate) name: &'a str,
    pub(crate) service: &'a str,
    pub(crate) method: &'a str,
}

impl<'a> Rpc<'a> {
    /// The method of a call to `path`, when it has the shape of one (protobuf
    /// identifiers, bounded).
    pub(crate) fn from_path(path: &'a str) -> Option<Self> {
        let name = path.strip_prefix('/')?;
        let (service, method) = name.split_once('/')?;
        let ident = |s: &str, dots: bool| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || (dots && b == b'.'))
        };
        (name.len() <= MAX_RPC_NAME && ident(service, true) && ident(method, false)).then_some(
            Self {
                name,
                service,
                method,
            },
        )
    }
}

/// The `grpc-status` code in these headers or trailers.
pub(crate) fn status_in(map: &HeaderMap) -> Option<u16> {
    let code = map.get(GRPC_STATUS)?.to_str().ok()?.parse::<u16>().ok()?;
    (code <= 16).then_some(code)
}

/// Whether a server span ending with `code` failed, per the semantic
/// conventions for gRPC servers: the codes that say the server erred.
pub(crate) fn is_server_error(code: u16) -> bool {
    matches!(code, 2 | 4 | 12 | 13 | 14 | 15)
}

/// A trailers-only gRPC answer: HTTP 200 with the status in the headers.
pub(crate) fn status_response(code: u16, message: &'static str) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    headers.insert(GRPC_STATUS, HeaderValue::from(code));
    headers.insert(GRPC_MESSAGE, HeaderValue::from_static(message));
    response
}

/// The trailers that end a streamed gRPC answer with `code`.
pub(crate) fn status_trailers(code: u16, message: &'static str) -> HeaderMap {
    let mut trailers = HeaderMap::new();
    trailers.insert(GRPC_STATUS, HeaderValue::from(code));
    trailers.insert(GRPC_MESSAGE, HeaderValue::from_static(message));
    trailers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_recognised_by_their_content_type() {
        let mut headers = HeaderMap::new();
        assert!(!is_grpc(&headers));
        headers.insert(CONTENT_TYPE, "application/grpc+proto".parse().unwrap());
        assert!(is_grpc(&headers));
        headers.insert(CONTENT_TYPE, "application/json".parse().unwrap());
        assert!(!is_grpc(&headers));
    }

    #[test]
    fn only_method_shaped_paths_name_a_call() {
        let rpc = Rpc::from_path("/grpc.health.v1.Health/Check").unwrap();
        assert_eq!(
            (rpc.name, rpc.service, rpc.method),
            (
                "grpc.health.v1.Health/Check",
                "grpc.health.v1.Health",
                "Check"
            )
        );
        for path in [
            "/", "/svc", "/svc/", "//m", "/a b/m", "/s/m/x", "/s/m.x", "s/m",
        ] {
            assert_eq!(Rpc::from_path(path), None, "{path}");
        }
        assert_eq!(Rpc::from_path(&format!("/{}/m", "s".repeat(300))), None);
    }

    #[test]
    fn statuses_are_read_and_bounded() {
        let mut map = HeaderMap::new();
        assert_eq!(status_in(&map), None);
        map.insert(GRPC_STATUS, "13".parse().unwrap());
        assert_eq!(status_in(&map), Some(13));
        map.insert(GRPC_STATUS, "99".parse().unwrap());
        assert_eq!(status_in(&map), None);
        assert!(is_server_error(13) && !is_server_error(5) && !is_server_error(0));
    }
}
