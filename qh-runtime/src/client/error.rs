//! What a typed call can fail with: the callee's error answer (a
//! [`Problem`]), no answer at all, an answer that is not the return type,
//! or an argument that cannot be put into a request.

use std::error::Error as StdError;
use std::fmt;

use http::{HeaderMap, HeaderName, StatusCode};
use serde_json::{Map, Value};

use crate::id::{RequestId, DEFAULT_HEADER};
use crate::support::text::cut;

/// Why a typed call did not return the endpoint's value.
///
/// ```
/// # async fn demo(client: &qh::client::Client) {
/// # #[qh::endpoint(method = "GET", path = "/users/{id}")]
/// # fn get_user(id: u64) -> Result<String, qh::Error> { Ok(String::new()) }
/// match get_user::call(client, 7).await {
///     Ok(name) => println!("user 7 is {name}"),
///     Err(qh::client::Error::Status(problem)) => {
///         // The callee's problem+json: status, type, title, detail,
///         // members, and the ID of the request it answered.
///         println!("{} ({:?})", problem, problem.request_id());
///     }
///     Err(e) => println!("no answer, or not a user: {e}"),
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error status (4xx, 5xx): its
    /// problem+json document, or what its answer said.
    Status(Box<Problem>),
    /// The request got no answer: the connection failed, it timed out, or
    /// a middleware refused it.
    Transport(TransportError),
    /// The answer is a success, but not of the return type.
    Decode(DecodeError),
    /// An argument could not be put into the request (a path or query
    /// value that is not text, say).
    Encode(EncodeError),
    /// A task waited for ([`TaskHandle::wait`](super::TaskHandle::wait))
    /// had not finished when the wait ended: its status then (`pending`
    /// or `running`). The task goes on.
    Unfinished(crate::tasks::TaskStatus),
}

impl Error {
    /// The status of an error answer.
    #[must_use]
    pub fn status(&self) -> Option<StatusCode> {
        self.problem().map(Problem::status)
    }

    /// The callee's problem document, for an error answer.
    #[must_use]
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Self::Status(problem) => Some(problem),
            _ => None,
        }
    }

    /// The ID of the callee's request that answered with an error.
    #[must_use]
    pub fn request_id(&self) -> Option<&RequestId> {
        self.problem().and_then(Problem::request_id)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(problem) => write!(f, "the service answered {problem}"),
            Self::Transport(_) => f.write_str("the request got no answer"),
            Self::Decode(e) => fmt::Display::fmt(e, f),
            Self::Encode(e) => fmt::Display::fmt(e, f),
            Self::Unfinished(status) => write!(
                f,
                "the task had not finished when the wait ended (it is {status}); it goes on"
            ),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Status(_) => None,
            Self::Transport(e) => Some(e),
            Self::Decode(e) => e.source(),
            Self::Encode(e) => e.source(),
            Self::Unfinished(_) => None,
        }
    }
}

/// An error answer, as RFC 9457 describes it: qh's problem+json documents
/// (and any service's), or, for an answer that is not one, its status and
/// text.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Problem {
    status: StatusCode,
    problem_type: String,
    title: Option<String>,
    detail: Option<String>,
    request_id: Option<RequestId>,
    members: Map<String, Value>,
}

/// How much of a non-problem error answer's text is kept as its detail.
const DETAIL_LIMIT: usize = 1024;

impl Problem {
    /// Reads an error answer: a JSON object's members, else its text as
    /// the detail. The callee's request ID is the document's `request_id`,
    /// else the one echoed under `id_header` (or `X-Request-ID`).
    pub(crate) fn from_answer(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        id_header: &HeaderName,
    ) -> Self {
        let mut members = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let mut text = |name: &str| match members.remove(name) {
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                members.insert(name.to_owned(), other);
                None
            }
            None => None,
        };
        let problem_type = text("type").unwrap_or_else(|| "about:blank".to_owned());
        let title = text("title");
        let detail = text("detail");
        let body_id = text("request_id");
        // `status` is the HTTP status number (RFC 9457): the answer's own.
        members.remove("status");
        let detail = detail.or_else(|| {
            let body = String::from_utf8_lossy(body);
            let body = body.trim();
            (!body.is_empty() && !body.starts_with('{'))
                .then(|| cut(body, DETAIL_LIMIT).into_owned())
        });
        let echoed = [id_header, &DEFAULT_HEADER]
            .into_iter()
            .find_map(|name| headers.get(name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let request_id = body_id.or(echoed).and_then(|id| id.parse().ok());
        Self {
            status,
            problem_type,
            title: title.or_else(|| status.canonical_reason().map(str::to_owned)),
            detail,
            request_id,
            members,
        }
    }

    /// The answer's HTTP status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The problem `type` URI: `urn:qh:problem:<kind>` for qh's own
    /// (`urn:qh:problem:missing-field`), the application's, or
    /// `about:blank`.
    #[must_use]
    pub fn problem_type(&self) -> &str {
        &self.problem_type
    }

    /// The `title`, else the status's reason phrase.
    #[must_use]
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The `detail`; for an answer that is not a JSON document, its text
    /// (the first KiB).
    #[must_use]
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The ID of the request the callee answered: its `request_id`
    /// member, else its echoed ID header.
    #[must_use]
    pub fn request_id(&self) -> Option<&RequestId> {
        self.request_id.as_ref()
    }

    /// An extension member (`field`, `header`, `task_id`, an
    /// application's `balance`…).
    #[must_use]
    pub fn member(&self, name: &str) -> Option<&Value> {
        self.members.get(name)
    }

    /// Every extension member.
    pub fn members(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.members.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status.as_u16())?;
        if let Some(title) = &self.title {
            write!(f, " {title}")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

/// A request that got no answer. Its source is the HTTP client's error.
#[derive(Debug)]
pub struct TransportError(pub(crate) reqwest_middleware::Error);

impl TransportError {
    /// Whether the request timed out.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        matches!(&self.0, reqwest_middleware::Error::Reqwest(e) if e.is_timeout())
    }

    /// Whether the connection could not be made.
    #[must_use]
    pub fn is_connect(&self) -> bool {
        matches!(&self.0, reqwest_middleware::Error::Reqwest(e) if e.is_connect())
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_timeout() {
            f.write_str("the request timed out")
        } else if self.is_connect() {
            f.write_str("the connection could not be made")
        } else {
            f.write_str("the request failed")
        }
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.0)
    }
}

impl From<reqwest_middleware::Error> for Error {
    fn from(e: reqwest_middleware::Error) -> Self {
        Self::Transport(TransportError(e))
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        Self::Transport(TransportError(reqwest_middleware::Error::Reqwest(e)))
    }
}

/// A success answer that is not of the expected type.
#[derive(Debug)]
pub struct DecodeError {
    status: StatusCode,
    expected: &'static str,
    source: Option<serde_json::Error>,
}

impl DecodeError {
    pub(crate) fn new(
        status: StatusCode,
        expected: &'static str,
        source: Option<serde_json::Error>,
    ) -> Self {
        Self {
            status,
            expected,
            source,
        }
    }

    /// The answer's status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The Rust type (or answer shape) that was expected.
    #[must_use]
    pub fn expected(&self) -> &str {
        self.expected
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the answer ({}) is not `{}`",
            self.status.as_u16(),
            self.expected
        )
    }
}

impl StdError for DecodeError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Self::Decode(e)
    }
}

/// An argument that cannot be put into the request.
#[derive(Debug)]
pub struct EncodeError {
    parameter: &'static str,
    source: Box<dyn StdError + Send + Sync>,
}

impl EncodeError {
    pub(crate) fn new(parameter: &'static str, source: Box<dyn StdError + Send + Sync>) -> Self {
        Self { parameter, source }
    }

    /// The parameter's name (its key or header).
    #[must_use]
    pub fn parameter(&self) -> &str {
        self.parameter
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` cannot be sent", self.parameter)
    }
}

impl StdError for EncodeError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        Self::Encode(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(body: &str, headers: &[(&'static str, &'static str)]) -> Problem {
        let headers: HeaderMap = headers
            .iter()
            .map(|(k, v)| (HeaderName::from_static(k), v.parse().unwrap()))
            .collect();
        Problem::from_answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            &headers,
            body.as_bytes(),
            &HeaderName::from_static("x-correlation-id"),
        )
    }

    #[test]
    fn a_problem_document_is_read_member_by_member() {
        let p = problem(
            r#"{"type":"urn:qh:problem:missing-field","title":"Unprocessable Entity","status":422,"detail":"missing field `b`","request_id":"req-1","field":"b"}"#,
            &[("x-request-id", "other")],
        );
        assert_eq!(p.status(), 422);
        assert_eq!(p.problem_type(), "urn:qh:problem:missing-field");
        assert_eq!(p.title(), Some("Unprocessable Entity"));
        assert_eq!(p.detail(), Some("missing field `b`"));
        assert_eq!(p.request_id().unwrap(), "req-1");
        assert_eq!(p.member("field"), Some(&Value::from("b")));
        assert_eq!(
            p.members().count(),
            1,
            "status is the answer's, not a member"
        );
        assert_eq!(p.to_string(), "422 Unprocessable Entity: missing field `b`");
    }

    #[test]
    fn another_answer_keeps_its_text_and_the_echoed_id() {
        let p = problem("no such thing", &[("x-correlation-id", "abc")]);
        assert_eq!(p.problem_type(), "about:blank");
        assert_eq!(p.title(), Some("Unprocessable Entity"));
        assert_eq!(p.detail(), Some("no such thing"));
        assert_eq!(p.request_id().unwrap(), "abc");
        let p = problem("", &[("x-request-id", "def")]);
        assert_eq!(p.detail(), None);
        assert_eq!(p.request_id().unwrap(), "def");
        // An echoed value that is no valid ID is not kept.
        assert!(problem("", &[("x-request-id", "a b")])
            .request_id()
            .is_none());
    }
}
