//! What a request body that qh cannot read answers: 415 for a body that is
//! not JSON, 400 for malformed JSON, 422 for JSON of the wrong shape.

use http::StatusCode;

use crate::error::{Error, ErrorKind};

pub(crate) fn unsupported_media_type() -> Error {
    Error::with_kind(
        ErrorKind::UnsupportedMediaType,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "expected a request with `Content-Type: application/json`",
    )
}

pub(crate) fn json_error(e: &serde_json::Error) -> Error {
    match e.classify() {
        serde_json::error::Category::Data => Error::with_kind(
            ErrorKind::InvalidBody,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("invalid body: {e}"),
        ),
        _ => Error::with_kind(
            ErrorKind::MalformedJson,
            StatusCode::BAD_REQUEST,
            format!("malformed JSON body: {e}"),
        ),
    }
}
