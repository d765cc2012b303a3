//! The `application/problem+json` document (RFC 9457) an [`Error`] answers
//! with, and which request ID it names and echoes.

use std::borrow::Cow;

use axum::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use http::HeaderValue;

use super::{Error, ErrorKind, Location};
use crate::context;
use crate::id::RequestId;
use crate::support::json::json_bytes;

struct Problem<'a> {
    type_: &'a str,
    title: &'a str,
    status: u16,
    detail: &'a str,
    request_id: Option<&'a str>,
    location: Option<(&'static str, &'a str)>,
    members: &'a [(Cow<'static, str>, serde_json::Value)],
}

impl serde::Serialize for Problem<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", self.type_)?;
        map.serialize_entry("title", self.title)?;
        map.serialize_entry("status", &self.status)?;
        map.serialize_entry("detail", self.detail)?;
        if let Some(id) = self.request_id {
            map.serialize_entry("request_id", id)?;
        }
        if let Some((key, value)) = self.location {
            map.serialize_entry(key, value)?;
        }
        for (name, value) in self.members {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// `application/problem+json`: the `content-type` of every [`Error`](crate::Error)
/// response.
///
/// # Examples
///
/// ```
/// use axum::http::{header::CONTENT_TYPE, StatusCode};
/// use axum::response::IntoResponse;
/// use qh::error::PROBLEM_JSON;
///
/// let res = qh::Error::new(StatusCode::NOT_FOUND, "no user 2").into_response();
/// assert_eq!(res.headers()[CONTENT_TYPE], PROBLEM_JSON);
/// ```
pub const PROBLEM_JSON: HeaderValue = HeaderValue::from_static("application/problem+json");

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let inner = *self.0;
        // The request's own ID: the one the error was tied to, else the
        // current request's. The echo is the request wrapper's job, unless
        // the error belongs to a request no wrapper is tracking.
        let (id, echo) = match inner.request {
            Some((id, header)) => {
                let echo = (!context::is_current(&id)).then_some(header);
                (Some(id), echo)
            }
            None => (context::request_id(), None),
        };
        let type_ = match (&inner.type_uri, inner.kind) {
            (Some(uri), _) => Cow::Borrowed(&**uri),
            // RFC 9457 §4.2.1: `about:blank` when the status says it all.
            (None, ErrorKind::Custom) => Cow::Borrowed("about:blank"),
            (None, kind) => Cow::Owned(format!("urn:qh:problem:{}", kind.slug())),
        };
        let location = inner.location.as_ref().map(|l| match l {
            Location::Header(h) => ("header", &**h),
            Location::Field(f) => ("field", &**f),
            Location::Path(p) => ("path", &**p),
            Location::Query(q) => ("query", &**q),
        });
        let problem = Problem {
            type_: &type_,
            title: inner.status.canonical_reason().unwrap_or("Error"),
            status: inner.status.as_u16(),
            detail: &inner.detail,
            request_id: id.as_ref().map(RequestId::as_str),
            location,
            members: &inner.members,
        };
        let body = json_bytes(&problem).unwrap_or_default();
        let mut response = (inner.status, body).into_response();
        response.headers_mut().insert(CONTENT_TYPE, PROBLEM_JSON);
        if let (Some(header), Some(id)) = (echo, id) {
            response.headers_mut().insert(header, id.to_header_value());
        }
        response
    }
}
