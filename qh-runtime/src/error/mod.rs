//! Errors answered as `application/problem+json` (RFC 9457): [`Error`],
//! its public constructors and accessors. Its kinds are `kind`'s, the
//! errors qh makes about a request `request`'s, and the document it
//! answers `problem`'s.

mod kind;
mod problem;
mod request;

use std::borrow::Cow;
use std::fmt;

use http::{HeaderName, StatusCode};

use crate::id::RequestId;
use crate::id::DEFAULT_HEADER;

pub use kind::ErrorKind;
pub use problem::PROBLEM_JSON;

/// Where in the request the problem is, named in the problem document.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Location {
    Header(Cow<'static, str>),
    Field(Cow<'static, str>),
    Path(Cow<'static, str>),
    Query(Cow<'static, str>),
}

/// A request that cannot be served, answered as `application/problem+json`.
///
/// The document has `type`, `title`, `status`, `detail`, the request's
/// `request_id` and, where it applies, the offending `header`, `field`
/// (body), `path` or `query` parameter:
///
/// ```json
/// {
///   "type": "urn:qh:problem:missing-header",
///   "title": "Bad Request",
///   "status": 400,
///   "detail": "missing required header `x-tenant`",
///   "request_id": "8d3c8f0e-5a7e-4a52-9a57-0c9f1d0b6c1e",
///   "header": "x-tenant"
/// }
/// ```
///
/// Details that quote the request (a mistyped value, a method) are cut to a
/// few hundred bytes, marked as cut: an error never repeats unbounded client
/// input.
///
/// Functions can return it too, with their own problem `type` and extension
/// members (RFC 9457 §3.2):
///
/// ```
/// use axum::http::StatusCode;
///
/// #[qh::endpoint]
/// fn withdraw(amount: u64) -> Result<u64, qh::Error> {
///     let balance = 30;
///     if amount > balance {
///         return Err(qh::Error::new(StatusCode::FORBIDDEN, "your balance is too low")
///             .problem_type("https://example.com/probs/out-of-credit")
///             .member("balance", balance));
///     }
///     Ok(balance - amount)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Error(Box<Inner>);

#[derive(Debug, Clone)]
struct Inner {
    kind: ErrorKind,
    status: StatusCode,
    detail: Cow<'static, str>,
    location: Option<Location>,
    /// The request this error belongs to, when the code that made it knew
    /// (an extractor outside any request context): its ID and echo header.
    request: Option<(RequestId, HeaderName)>,
    type_uri: Option<Cow<'static, str>>,
    members: Vec<(Cow<'static, str>, serde_json::Value)>,
}

/// Members a problem document already has; extension members may not
/// replace them.
const RESERVED: [&str; 9] = [
    "type",
    "title",
    "status",
    "detail",
    "request_id",
    "header",
    "field",
    "path",
    "query",
];

impl Error {
    /// An application error with the given status and detail.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::StatusCode;
    ///
    /// #[qh::endpoint(method = "GET", path = "/users/{id}")]
    /// fn get_user(id: u64) -> Result<String, qh::Error> {
    ///     Err(qh::Error::new(StatusCode::NOT_FOUND, format!("no user {id}")))
    /// }
    ///
    /// let e = qh::Error::new(StatusCode::CONFLICT, "already there");
    /// assert_eq!(e.status(), StatusCode::CONFLICT);
    /// assert_eq!(e.kind(), qh::error::ErrorKind::Custom);
    /// ```
    pub fn new(status: StatusCode, detail: impl Into<Cow<'static, str>>) -> Self {
        Self(Box::new(Inner {
            kind: ErrorKind::Custom,
            status,
            detail: detail.into(),
            location: None,
            request: None,
            type_uri: None,
            members: Vec::new(),
        }))
    }

    /// What went wrong.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::HeaderName;
    /// use qh::error::ErrorKind;
    ///
    /// let e = qh::Error::missing_header(&HeaderName::from_static("x-tenant"));
    /// assert_eq!(e.kind(), ErrorKind::MissingHeader);
    /// ```
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The HTTP status answered.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::StatusCode;
    ///
    /// let e = qh::Error::new(StatusCode::GONE, "expired");
    /// assert_eq!(e.status(), StatusCode::GONE);
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The human-readable explanation.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::StatusCode;
    ///
    /// let e = qh::Error::new(StatusCode::NOT_FOUND, "no user 2");
    /// assert_eq!(e.detail(), "no user 2");
    /// assert_eq!(e.to_string(), "404 no user 2");
    /// ```
    #[must_use]
    pub fn detail(&self) -> &str {
        &self.0.detail
    }

    /// The offending header, if the problem is in one.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::HeaderName;
    ///
    /// let e = qh::Error::invalid_header(&HeaderName::from_static("x-page"), "not a number");
    /// assert_eq!(e.header(), Some("x-page"));
    /// assert_eq!(e.field(), None);
    /// ```
    #[must_use]
    pub fn header(&self) -> Option<&str> {
        match &self.0.location {
            Some(Location::Header(h)) => Some(h),
            _ => None,
        }
    }

    /// The offending body field, if the problem is in one (errors qh makes
    /// when a body field is missing or mistyped; `None` for your own).
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::StatusCode;
    ///
    /// assert_eq!(qh::Error::new(StatusCode::BAD_REQUEST, "no").field(), None);
    /// ```
    #[must_use]
    pub fn field(&self) -> Option<&str> {
        match &self.0.location {
            Some(Location::Field(f)) => Some(f),
            _ => None,
        }
    }

    /// The problem `type` URI (default `about:blank` for application
    /// errors, `urn:qh:problem:<kind>` for qh's own).
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::StatusCode;
    ///
    /// let e = qh::Error::new(StatusCode::PAYMENT_REQUIRED, "the plan ran out")
    ///     .problem_type("https://example.com/problems/quota");
    /// # let _ = e;
    /// ```
    #[must_use]
    pub fn problem_type(mut self, uri: impl Into<Cow<'static, str>>) -> Self {
        self.0.type_uri = Some(uri.into());
        self
    }

    /// Adds an extension member to the problem document (RFC 9457 §3.2).
    /// A value that cannot be serialized, or a name the document already
    /// uses (`type`, `status`, `request_id`, …), is left out.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::StatusCode;
    /// use axum::response::IntoResponse;
    ///
    /// let e = qh::Error::new(StatusCode::TOO_MANY_REQUESTS, "slow down")
    ///     .member("retry_after", 30)
    ///     .member("status", "ignored: a name the document uses");
    /// let response = e.into_response();
    /// assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    /// ```
    #[must_use]
    pub fn member(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl serde::Serialize,
    ) -> Self {
        let name = name.into();
        if RESERVED.contains(&&*name) {
            return self;
        }
        if let Ok(value) = serde_json::to_value(value) {
            self.0.members.retain(|(n, _)| *n != name);
            self.0.members.push((name, value));
        }
        self
    }

    /// Names the request ID in the document. Inside a request the current
    /// ID is used without this.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::StatusCode;
    ///
    /// // Outside a request (a job, a test): name the ID yourself.
    /// let e = qh::Error::new(StatusCode::BAD_GATEWAY, "upstream failed")
    ///     .request_id(qh::RequestId::from_static("job-7"));
    /// # let _ = e;
    /// ```
    #[must_use]
    pub fn request_id(mut self, id: RequestId) -> Self {
        self.0.request = Some((id, DEFAULT_HEADER));
        self
    }

    /// 400: a required header is absent.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::{HeaderName, StatusCode};
    ///
    /// let e = qh::Error::missing_header(&HeaderName::from_static("x-tenant"));
    /// assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    /// assert_eq!(e.detail(), "missing required header `x-tenant`");
    /// ```
    #[must_use]
    pub fn missing_header(name: &HeaderName) -> Self {
        Self::with_kind(
            ErrorKind::MissingHeader,
            StatusCode::BAD_REQUEST,
            format!("missing required header `{name}`"),
        )
        .at_header(name)
    }

    /// 400: a header cannot be read; `why` must not quote the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::{HeaderName, StatusCode};
    ///
    /// let e = qh::Error::invalid_header(&HeaderName::from_static("x-page"), "expected a number");
    /// assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    /// assert_eq!(e.detail(), "invalid header `x-page`: expected a number");
    /// ```
    #[must_use]
    pub fn invalid_header(name: &HeaderName, why: &str) -> Self {
        Self::with_kind(
            ErrorKind::InvalidHeader,
            StatusCode::BAD_REQUEST,
            format!("invalid header `{name}`: {why}"),
        )
        .at_header(name)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0.status.as_u16(), self.0.detail)
    }
}

impl std::error::Error for Error {}
