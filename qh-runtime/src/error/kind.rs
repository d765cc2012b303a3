//! [`ErrorKind`]: what went wrong, as a stable, matchable value, and the
//! slug its problem `type` URI is named with.

// Named by the docs' links.
#[cfg(doc)]
use super::Error;

/// What went wrong, as a stable, matchable value. Each kind has its own
/// `type` URI in the problem document (`urn:qh:problem:<kind>`, e.g.
/// `urn:qh:problem:missing-header`); application errors made with
/// [`Error::new`] use `about:blank`.
///
/// # Examples
///
/// ```
/// use axum::http::HeaderName;
/// use qh::error::ErrorKind;
///
/// // Tell the client's mistakes apart from the server's, e.g. for a metric.
/// fn blame(e: &qh::Error) -> &'static str {
///     match e.kind() {
///         ErrorKind::Panic | ErrorKind::Internal => "server",
///         ErrorKind::Custom => "app",
///         _ => "client",
///     }
/// }
///
/// let e = qh::Error::missing_header(&HeaderName::from_static("x-tenant"));
/// assert_eq!(e.kind(), ErrorKind::MissingHeader);
/// assert_eq!(blame(&e), "client");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The body is not well-formed JSON (400).
    MalformedJson,
    /// The JSON body is not of the expected shape, e.g. not an object (422).
    InvalidBody,
    /// A required body field is absent (422).
    MissingField,
    /// A body field has the wrong type or value (422).
    InvalidField,
    /// A body field appears twice (422).
    DuplicateField,
    /// A required header is absent (400).
    MissingHeader,
    /// A header cannot be read as the expected type (400).
    InvalidHeader,
    /// A required query parameter is absent (400).
    MissingQuery,
    /// A query parameter cannot be read as the expected type (400).
    InvalidQuery,
    /// A path parameter cannot be read as the expected type (400).
    InvalidPath,
    /// The body is not `application/json` (415).
    UnsupportedMediaType,
    /// The body could not be read, or is too large (400 or 413).
    BodyRead,
    /// The route exists, but not for this method (405).
    MethodNotAllowed,
    /// An `#[extract]` parameter's extractor rejected the request (its
    /// status).
    Rejected,
    /// The function panicked (500).
    Panic,
    /// The response could not be produced, e.g. serialization failed (500).
    Internal,
    /// An error made by the application with [`Error::new`].
    Custom,
}

impl ErrorKind {
    pub(super) fn slug(self) -> &'static str {
        match self {
            Self::MalformedJson => "malformed-json",
            Self::InvalidBody => "invalid-body",
            Self::MissingField => "missing-field",
            Self::InvalidField => "invalid-field",
            Self::DuplicateField => "duplicate-field",
            Self::MissingHeader => "missing-header",
            Self::InvalidHeader => "invalid-header",
            Self::MissingQuery => "missing-query",
            Self::InvalidQuery => "invalid-query",
            Self::InvalidPath => "invalid-path",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::BodyRead => "body-read",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::Rejected => "rejected",
            Self::Panic => "panic",
            Self::Internal => "internal",
            Self::Custom => "custom",
        }
    }
}
