//! Reading the request body an endpoint's JSON parameters come from.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use http::header::CONTENT_TYPE;
use http::request::Parts;

use super::fields::{is_json, unsupported_media_type};
use crate::error::{Error, ErrorKind};

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
    let declared = parts.headers.contains_key(CONTENT_TYPE);
    if declared && !is_json(&parts.headers) {
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
