//! An error answer read as RFC 9457 describes it: the callee's
//! problem+json document, or the status and text of another answer.

use std::fmt;

use http::{HeaderMap, HeaderName, StatusCode};
use serde_json::{Map, Value};

use crate::id::{RequestId, DEFAULT_HEADER};
use crate::support::text::cut;

/// An error answer, as RFC 9457 describes it: qh's problem+json documents
/// (and any service's), or, for an answer that is not one, its status and
/// text.
///
/// # Examples
///
/// ```no_run
/// # async fn demo(client: &qh::client::Client) {
/// #[qh::endpoint(method = "GET", path = "/users/{id}")]
/// fn get_user(id: u64) -> Result<String, qh::Error> {
///     Err(qh::Error::new(axum::http::StatusCode::NOT_FOUND, format!("no user {id}")))
/// }
///
/// let err = get_user::call(client, 7).await.unwrap_err();
/// let problem = err.problem().expect("an error answer");
/// assert_eq!(problem.status(), axum::http::StatusCode::NOT_FOUND);
/// assert_eq!(problem.detail(), Some("no user 7"));
/// // The ID of the callee's request: the one to look for in its logs.
/// eprintln!("{} (request {:?})", problem.problem_type(), problem.request_id());
/// # }
/// ```
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
