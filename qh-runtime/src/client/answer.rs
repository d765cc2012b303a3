//! [`Answer`]: a success answer as it came, what the typed call of an
//! endpoint that answers through `IntoResponse` returns.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::error::{DecodeError, Error};

/// A success answer as it came: its status, headers and body.
///
/// The typed call of an endpoint whose answer qh passes through as it is
/// (a return type that is `IntoResponse` rather than `Serialize`: `Html`,
/// `(StatusCode, Json<T>)`, `Response`, `impl IntoResponse`) returns this:
/// the function chose the status, headers and body, so the caller gets
/// them all. An error status is still an [`Error::Status`].
///
/// ```
/// # async fn demo(client: &qh::client::Client) -> Result<(), qh::client::Error> {
/// use axum::http::StatusCode;
/// use axum::response::Html;
///
/// #[qh::endpoint(method = "GET", path = "/page")]
/// fn page() -> (StatusCode, Html<&'static str>) {
///     (StatusCode::CREATED, Html("<p>hi</p>"))
/// }
///
/// let answer = page::call(client).await?;
/// assert_eq!(answer.status(), StatusCode::CREATED);
/// assert_eq!(answer.text(), Some("<p>hi</p>"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    pub(crate) fn new(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        Self {
            status,
            headers,
            body,
        }
    }

    /// The status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body's bytes.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text, when it is UTF-8.
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }

    /// The body read as JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the body is not JSON of type `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::Decode(DecodeError::new(
                self.status,
                std::any::type_name::<T>(),
                Some(e),
            ))
        })
    }
}
