//! gRPC requests under the request scope: recognised by their content type,
//! named in the span by the method (`package.Service/Method`) only once
//! the app is known to serve it ([`served`], [`answer_serves`]), their
//! status read from `grpc-status` (in the trailers, or in the headers of a
//! trailers-only answer), and every answer qh makes itself a gRPC status,
//! never a problem document (a gRPC client reads that as a broken frame).
//! Pure `http`: no gRPC library is needed for any of it.
//!
//! # Span names from what the app serves
//!
//! The path of a gRPC call is the client's to choose: named after it, a
//! span (and its `rpc.service` / `rpc.method`) would take any value a
//! client sends, and every new one would be a new span name for the
//! tracing backend. So the path names nothing until the app has shown it
//! serves the method:
//!
//! - the matched route (axum's `MatchedPath`) is the method's own
//!   (`/pkg.Service/Method`): named when the span opens;
//! - it is a route for all the methods of one service, as tonic's `Routes`
//!   add them (`/pkg.Service/{*rest}`): `rpc.service` from the start, the
//!   method once the answer shows it served;
//! - no route matched where the layer sits (tonic's own
//!   `Server::builder().layer(…)` runs before routing; under
//!   `Router::layer` it is the fallback): named once the answer shows the
//!   call served;
//! - any other route (an HTTP route, a catch-all): never named.
//!
//! An answer serves the call when it is a gRPC answer (HTTP 200, a gRPC
//! content type) and not what tonic answers for a service or method it
//! does not have: `UNIMPLEMENTED` in a trailers-only answer. (axum's
//! fallback answers 404; an HTTP route, in its own content type.) Calls
//! not served all share one span name, [`UNKNOWN_NAME`], without
//! `rpc.method` and without the path as an attribute; `rpc.service` stays
//! when the route was the service's. A served method that itself answers
//! `UNIMPLEMENTED` is named like an unknown one: the answer is the same.

use axum::body::Body;
use axum::response::Response;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use crate::support::headers;

/// The `grpc-status` header or trailer.
pub(crate) const GRPC_STATUS: HeaderName = HeaderName::from_static("grpc-status");
/// The `grpc-message` header or trailer.
const GRPC_MESSAGE: HeaderName = HeaderName::from_static("grpc-message");

/// The status code `INTERNAL`.
pub(crate) const INTERNAL: u16 = 13;

/// The status code `UNIMPLEMENTED`: what gRPC servers answer for a service
/// or method they do not have.
const UNIMPLEMENTED: u16 = 12;

/// The span name of every gRPC call to a method the app does not serve
/// (the `rpc.system`): one name, whatever path clients send.
pub(crate) const UNKNOWN_NAME: &str = "grpc";

/// The longest `package.Service/Method` named in a span; a longer one (or
/// one with other characters) is a client's invention, and not named.
const MAX_RPC_NAME: usize = 256;

/// Whether a request is a gRPC call: a `POST` (the only method gRPC's
/// HTTP/2 mapping allows) whose content type is `application/grpc`,
/// `application/grpc+proto`, …. The method is looked at first: every other
/// request is answered without a header lookup.
pub(crate) fn is_grpc_call(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::POST && is_grpc(headers)
}

/// Whether a message's content type is gRPC's (`application/grpc`,
/// `application/grpc+proto`, …).
pub(crate) fn is_grpc(headers: &HeaderMap) -> bool {
    headers::first(headers, &CONTENT_TYPE)
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

/// What is known, when the request span opens, of whether the app serves a
/// gRPC call (see the module's documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Served<'a> {
    /// The matched route is this method's own: served.
    Method(Rpc<'a>),
    /// The matched route takes every method of this call's service: the
    /// service is served, the method if the answer says so.
    Service(Rpc<'a>),
    /// No route matched where the layer sits: the answer says.
    Unrouted(Rpc<'a>),
    /// Not a method the app serves (a path of another shape, or a route
    /// that is not this service's).
    No,
}

/// How far the app is known to serve a gRPC call to `path`, `route` being
/// the matched route template (axum's `MatchedPath`) if any.
pub(crate) fn served<'a>(path: &'a str, route: Option<&str>) -> Served<'a> {
    let Some(rpc) = Rpc::from_path(path) else {
        return Served::No;
    };
    match route {
        None => Served::Unrouted(rpc),
        Some(route) if route == path => Served::Method(rpc),
        Some(route) if is_service_route(route, rpc.service) => Served::Service(rpc),
        Some(_) => Served::No,
    }
}

/// `/{service}/{*…}`: one route for every method of `service`, as tonic's
/// `Routes` adds them (`/{NAME}/{*rest}`). A one-segment placeholder
/// (`/users/{id}`) is an HTTP route's shape, not a service's.
fn is_service_route(route: &str, service: &str) -> bool {
    route
        .strip_prefix('/')
        .and_then(|r| r.strip_prefix(service))
        .and_then(|r| r.strip_prefix("/{*"))
        .and_then(|r| r.strip_suffix('}'))
        .is_some_and(|name| !name.is_empty() && !name.contains(['/', '{', '}']))
}

/// Whether an answer's head shows the app served the call: a gRPC answer
/// (HTTP 200, `content-type: application/grpc…`) other than a
/// trailers-only `UNIMPLEMENTED`, which is what tonic answers for a service
/// (its `Routes` fallback) or a method (its generated servers) it does not
/// have. axum's fallback answers 404, an HTTP route its own content type.
pub(crate) fn answer_serves(status: StatusCode, headers: &HeaderMap) -> bool {
    status == StatusCode::OK && is_grpc(headers) && status_in(headers) != Some(UNIMPLEMENTED)
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
    fn a_call_is_a_post() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, "application/grpc".parse().unwrap());
        assert!(is_grpc_call(&Method::POST, &headers));
        assert!(!is_grpc_call(&Method::GET, &headers));
        assert!(!is_grpc_call(&Method::POST, &HeaderMap::new()));
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
    fn only_what_the_routes_serve_is_named() {
        let path = "/grpc.health.v1.Health/Check";
        let rpc = Rpc::from_path(path).unwrap();
        assert_eq!(served(path, Some(path)), Served::Method(rpc));
        assert_eq!(
            served(path, Some("/grpc.health.v1.Health/{*rest}")),
            Served::Service(rpc)
        );
        assert_eq!(served(path, None), Served::Unrouted(rpc));
        for route in [
            "/{*path}",
            "/{service}/{method}",
            "/grpc.health.v1.Health/{method}",
            "/grpc.health.v1.Health/{*rest}/x",
            "/grpc.health.v1.Healthy/{*rest}",
            "/grpc.health.v1/{*rest}",
            "/grpc.health.v1.Health/{}",
            "/grpc.health.v1.Health/{*}",
            "/grpc.health.v1.Health/Watch",
            "/users/{id}",
        ] {
            assert_eq!(served(path, Some(route)), Served::No, "{route}");
        }
        // A path of no method's shape names nothing, whatever the route.
        assert_eq!(served("/a b/m", None), Served::No);
        assert_eq!(served("/users/1/x", Some("/users/{id}/x")), Served::No);
    }

    #[test]
    fn unimplemented_http_errors_and_http_answers_are_not_served() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, "application/grpc".parse().unwrap());
        assert!(answer_serves(StatusCode::OK, &headers));
        headers.insert(GRPC_STATUS, "5".parse().unwrap());
        assert!(answer_serves(StatusCode::OK, &headers));
        headers.insert(GRPC_STATUS, "12".parse().unwrap());
        assert!(!answer_serves(StatusCode::OK, &headers));
        headers.remove(GRPC_STATUS);
        assert!(!answer_serves(StatusCode::NOT_FOUND, &headers));
        // An HTTP route answering in its own content type served no call.
        let mut json = HeaderMap::new();
        json.insert(CONTENT_TYPE, "application/json".parse().unwrap());
        assert!(!answer_serves(StatusCode::OK, &json));
        assert!(!answer_serves(StatusCode::OK, &HeaderMap::new()));
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
