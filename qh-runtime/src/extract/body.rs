//! The request body an endpoint's JSON parameters come from: reading it,
//! its content type, and `#[body]` parameters.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use http::header::CONTENT_TYPE;
use http::request::Parts;
use http::HeaderValue;

use super::body_error::unsupported_media_type;
use crate::error::{Error, ErrorKind};
use crate::support::headers;

/// Reads a JSON body, honouring axum's `DefaultBodyLimit`. `None` when
/// there is no body and no content type (the body then counts as absent).
///
/// # Errors
///
/// 415 when the content type is not JSON; 400, or 413 when the body is
/// over the limit.
pub async fn read_json_body<S: Send + Sync>(
    parts: Parts,
    body: Body,
    state: &S,
) -> Result<Option<Bytes>, Error> {
    let content_type = headers::first(&parts.headers, &CONTENT_TYPE);
    let declared = content_type.is_some();
    if content_type.is_some_and(|ct| !is_json_value(ct)) {
        return Err(unsupported_media_type());
    }
    let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
        .await
        .map_err(|rejection| {
            Error::with_kind(
                ErrorKind::BodyRead,
                rejection.status(),
                rejection.body_text(),
            )
        })?;
    match (declared, bytes.is_empty()) {
        (true, _) => Ok(Some(bytes)),
        (false, true) => Ok(None),
        (false, false) => Err(unsupported_media_type()),
    }
}

/// Whether a `Content-Type` value is JSON's (`application/json` or
/// `application/*+json`).
fn is_json_value(ct: &HeaderValue) -> bool {
    // What nearly every client sends, answered without parsing.
    if ct.as_bytes() == b"application/json" {
        return true;
    }
    let Ok(ct) = ct.to_str() else { return false };
    let essence = ct.split(';').next().unwrap_or("").trim();
    let Some((ty, sub)) = essence.split_once('/') else {
        return false;
    };
    ty.eq_ignore_ascii_case("application")
        && (sub.eq_ignore_ascii_case("json")
            || sub.len() > 5 && sub[sub.len() - 5..].eq_ignore_ascii_case("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        for (ct, ok) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/problem+json", true),
            ("text/plain", false),
            ("application/jsonp", false),
        ] {
            assert_eq!(is_json_value(&HeaderValue::from_static(ct)), ok, "{ct}");
        }
    }
}
