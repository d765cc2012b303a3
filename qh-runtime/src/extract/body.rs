//! The request body an endpoint's JSON parameters come from: reading it,
//! its content type, and `#[body]` parameters.

use std::borrow::Cow;
use std::future::Future;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::RequestExt;
use http::header::CONTENT_TYPE;
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt, LengthLimitError};

use super::body_error::unsupported_media_type;
use crate::error::{Error, ErrorKind};
use crate::support::headers;

/// Reads a JSON body, honouring axum's `DefaultBodyLimit`. `None` when
/// there is no body and no content type (the body then counts as absent).
///
/// The content type is checked and the limit applied now; the future holds
/// only the body while it waits for it, and the request's extensions until
/// its first poll (the rest of `parts` is dropped now: an endpoint's
/// future, which holds this one, is moved to the heap whole). The
/// extensions are dropped there because an endpoint may start this read
/// before its request's scope is entered, and a value a middleware stored
/// may log when it drops.
///
/// # Errors
///
/// 415 when the content type is not JSON; 400, or 413 when the body is
/// over the limit.
// Inlined into the endpoint's code: not generic, it would otherwise stay
// a call into this crate (+133 instructions on `POST /add`, measured).
#[inline]
pub fn read_json_body(
    parts: Parts,
    body: Body,
) -> impl Future<Output = Result<Option<Bytes>, Error>> + Send + 'static {
    let content_type = headers::first(&parts.headers, &CONTENT_TYPE);
    let declared = match content_type {
        Some(ct) if !is_json_value(ct) => Err(unsupported_media_type()),
        ct => Ok(ct.is_some()),
    };
    let (head, body) = Request::from_parts(parts, body)
        .with_limited_body()
        .into_parts();
    let extensions = head.extensions;
    async move {
        drop(extensions);
        let declared = declared?;
        let bytes = whole(body).await?;
        match (declared, bytes.is_empty()) {
            (true, _) => Ok(Some(bytes)),
            (false, true) => Ok(None),
            (false, false) => Err(unsupported_media_type()),
        }
    }
}

/// The whole body (under axum's `DefaultBodyLimit`, which `body` carries):
/// its one data frame as it came, without a copy (a request's body nearly
/// always comes in one), else its frames joined. Trailers are not JSON:
/// they are skipped.
async fn whole(mut body: Body) -> Result<Bytes, Error> {
    let mut first = Bytes::new();
    let mut joined: Option<Vec<u8>> = None;
    while let Some(frame) = body.frame().await {
        let data = match frame.map_err(read_failed)?.into_data() {
            Ok(data) if !data.is_empty() => data,
            _ => continue,
        };
        match &mut joined {
            Some(all) => all.extend_from_slice(&data),
            None if first.is_empty() => first = data,
            None => {
                let mut all = Vec::with_capacity(first.len() + data.len());
                all.extend_from_slice(&first);
                all.extend_from_slice(&data);
                joined = Some(all);
            }
        }
    }
    Ok(joined.map_or(first, Bytes::from))
}

/// A body that could not be read: 413 when it passed a body limit, else
/// 400 (axum's statuses and words for its `Bytes` extractor's failures).
fn read_failed(error: axum::Error) -> Error {
    let (status, detail): (_, Cow<'static, str>) = if passed_limit(&error) {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "Failed to buffer the request body: length limit exceeded".into(),
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            format!("Failed to buffer the request body: {error}").into(),
        )
    };
    Error::with_kind(ErrorKind::BodyRead, status, detail)
}

/// Whether a read failed because the body passed a limit: axum's
/// `DefaultBodyLimit`, or one a middleware set before it (each limit's
/// body wraps the error once more, so it is looked for down the chain).
fn passed_limit(error: &axum::Error) -> bool {
    std::iter::successors(Some(error as &(dyn std::error::Error + 'static)), |e| {
        e.source()
    })
    .take(8)
    .any(|e| e.is::<LengthLimitError>())
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
