//! Answering with JSON: how a `Serialize` return value is answered (which
//! return values are, and how the rest answer: `crate::returns`), and
//! every other JSON answer qh makes.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};

use crate::error::{Error, ErrorKind};
use crate::support::json::json_bytes;

/// `value` as a JSON answer with `status` (500 problem if it cannot be
/// serialized); every JSON answer qh makes goes through here.
pub(crate) fn json_with_status<T: serde::Serialize + ?Sized>(
    status: StatusCode,
    value: &T,
) -> Response {
    match json_bytes(value) {
        Ok(body) => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(e) => Error::with_kind(
            ErrorKind::Internal,
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the answer cannot be serialized: {e}"),
        )
        .into_response(),
    }
}

/// `value` as a 200 JSON answer: what a `Serialize` return value answers.
#[inline]
pub(crate) fn json_response<T: serde::Serialize + ?Sized>(value: &T) -> Response {
    json_with_status(StatusCode::OK, value)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn a_value_that_cannot_be_json_is_a_500_problem() {
        // JSON keys are strings: a map keyed by pairs cannot be written.
        let value = BTreeMap::from([((1, 2), "a")]);
        let answer = json_with_status(StatusCode::OK, &value);
        assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
