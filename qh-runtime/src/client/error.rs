//! What a typed call can fail with: the callee's error answer (a
//! [`Problem`], in `problem.rs`), no answer at all, an answer that is not the return type,
//! or an argument that cannot be put into a request.

use std::error::Error as StdError;
use std::fmt;

use http::StatusCode;

pub use super::problem::Problem;
use crate::id::RequestId;

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

/// A request that got no answer. Its source is the HTTP client's error.
///
/// # Examples
///
/// ```no_run
/// # async fn demo() {
/// # #[qh::endpoint]
/// # fn add(a: i64, b: i64) -> i64 { a + b }
/// // Nothing listens on port 1: the connection is refused.
/// let client = qh::client::Client::new("http://127.0.0.1:1").unwrap();
/// match add::call(&client, 1, 2).await {
///     Err(qh::client::Error::Transport(e)) => {
///         assert!(e.is_connect() && !e.is_timeout());
///         eprintln!("no answer: {e}");
///     }
///     other => panic!("{other:?}"),
/// }
/// # }
/// ```
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
///
/// # Examples
///
/// ```no_run
/// # async fn demo(client: &qh::client::Client) {
/// # #[qh::endpoint(method = "GET", path = "/count")]
/// # fn count() -> u32 { 3 }
/// // A service answering `200` with something other than a `u32`:
/// if let Err(qh::client::Error::Decode(e)) = count::call(client).await {
///     eprintln!("{} was not {}: {e}", e.status(), e.expected());
/// }
/// # }
/// ```
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
///
/// # Examples
///
/// ```no_run
/// # async fn demo(client: &qh::client::Client) {
/// use std::collections::BTreeMap;
///
/// // A map cannot be one query value (take it with `#[query(flatten)]`).
/// #[qh::endpoint(method = "GET", path = "/search")]
/// fn search(#[query] tags: BTreeMap<String, String>) -> usize {
///     tags.len()
/// }
///
/// match search::call(client, BTreeMap::from([("a".into(), "b".into())])).await {
///     Err(qh::client::Error::Encode(e)) => assert_eq!(e.parameter(), "tags"),
///     other => panic!("{other:?}"),
/// }
/// # }
/// ```
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
