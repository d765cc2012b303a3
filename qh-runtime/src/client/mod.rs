//! Typed clients (cargo feature `client`): every endpoint's companion gets
//! a `call` that sends the function's arguments to the service and
//! returns its answer as the function's return type. Services built with
//! qh call each other with the endpoints' own functions: the caller
//! depends on the crate that defines them.
//!
//! ```toml
//! [dependencies]
//! qh = { version = "0.1", features = ["client"] }
//! users-service = { path = "../users-service" }  # the crate defining the endpoints
//! ```
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // In the crate that serves it:
//! #[qh::endpoint]
//! pub async fn add(a: i64, b: i64) -> i64 { a + b }
//!
//! // Anywhere that depends on that crate:
//! let client = qh::client::Client::new("http://127.0.0.1:4000")?;
//! let sum: i64 = add::call(&client, 1, 2).await?;
//! # Ok(()) }
//! ```
//!
//! # What `call` takes and sends
//!
//! The function's parameters, in order, with their own types, less those
//! the server fills in: `request_id` and `#[extract]` parameters (a
//! `TrackingContext`, `State`, …). Each argument goes where the server
//! reads it from: path placeholders (percent-encoded; `{*rest}` keeps its
//! `/`), query parameters
//! (`None` left out, a list as a repeated key, a `#[query(flatten)]`
//! struct as its fields), headers (through
//! [`ToHeader`](crate::ToHeader)), JSON body keys, or the whole body for
//! `#[body]`. A parameter with a default is always sent.
//!
//! The request goes through the [`Client`]'s middleware stack, which has
//! qh's [`Propagate`](crate::propagation::Propagate): inside a request it
//! carries the request's ID, `traceparent` and `TrackingContext` headers;
//! outside one, a fresh ID.
//!
//! # What `call` returns
//!
//! A [`Pending<T>`], a future of `Result<T, qh::client::Error>`, `T` by
//! the return type's kind (the one classification the server's answer
//! follows):
//!
//! | the endpoint returns | `call` gives |
//! | --- | --- |
//! | `T: Serialize` (`i64`, `Option<User>`, `Vec<T>`) | `T`, read from the JSON |
//! | `Result<T, E>` | `T`; an `Err` answer is [`Error::Status`] |
//! | `()`, `Result<(), E>` | `()` |
//! | `&'static str` | `String` |
//! | `IntoResponse` spelled as such: `impl IntoResponse`, `Response`, `Html<T>`, `Json<T>`, `Redirect`, `StatusCode`, `Bytes`, tuples with one of them (`(StatusCode, Json<T>)`) | [`Answer`]: status, headers, body as they came |
//! | a task endpoint (`task`) | [`TaskHandle<T>`]: poll, wait, cancel |
//!
//! A `task = "optional"` endpoint's `call` runs it in the request (its
//! value), and its `submit` asks for the background (a [`TaskHandle`]).
//!
//! Every answer with an error status is [`Error::Status`], with the
//! callee's problem document ([`Problem`]: status, `type`, `title`,
//! `detail`, extension members, and the ID of the callee's request);
//! no answer is [`Error::Transport`]; a success answer that is not a `T`
//! is [`Error::Decode`]; an argument that cannot be put into the request
//! is [`Error::Encode`].
//!
//! # Task endpoints
//!
//! A [`TaskHandle`] follows the task on the callee's `/tasks` routes:
//! [`status`](TaskHandle::status), [`result`](TaskHandle::result) (asks
//! once, without waiting), [`wait`](TaskHandle::wait) (the callee's long
//! poll, up to a timeout; a wait that ends before the task is
//! [`Error::Unfinished`] with the task's status, and the task goes on)
//! and [`cancel`](TaskHandle::cancel).
//!
//! # The client
//!
//! [`Client::builder`] sets the timeout of one attempt (30 s), the connect
//! timeout (10 s), the retries of a `503` (2, after its `Retry-After` when
//! that is within [`retry_wait`](ClientBuilder::retry_wait), 10 s), the
//! header and generator of fresh IDs outside requests, your own reqwest
//! client ([`reqwest`](ClientBuilder::reqwest): TLS, proxy) and your own
//! reqwest-middleware middleware ([`with`](ClientBuilder::with), outside
//! qh's).
//!
//! # Checked where it is called
//!
//! What the client needs of the types (arguments `Serialize`, the return
//! type `Deserialize`) is checked where `call` is used, with a message
//! naming the type: a server crate with the feature on (turned on by a
//! crate that calls it, say) still builds endpoints whose types only go
//! one way. Without the feature, the macro's `call` is dropped unread: an
//! endpoint costs nothing more to compile.
//!
//! # Across crates
//!
//! `call` has the function's visibility: a crate that depends on the
//! crate defining a `pub` endpoint calls it with the same types, no code
//! generation step and no OpenAPI round trip. The routes are the
//! endpoint's, joined to the client's base URL. An endpoint private to its
//! crate has a `call` private to it too: calling it from another crate is
//! a compile error (the companion is private).
//!
//! The repository's `examples/client.rs` serves a users service (routes by
//! `#[qh::endpoint(rest)]`) and calls it by its functions;
//! `examples/two_services.rs` has one service call another's endpoint.
//!
//! # Limitations
//!
//! An endpoint whose path placeholders are read by an `#[extract]`ed axum
//! `Path` has no `call` (nothing tells the client what goes there). A
//! return type of your own that answers through `IntoResponse` rather than
//! `Serialize` cannot be decoded: its `call` is a compile error where it
//! is used.

mod answer;
mod bounds;
mod builder;
mod call;
mod encode;
mod error;
mod pending;
mod problem;
mod retry;
mod send;
mod task;

pub use answer::Answer;
pub use builder::{BuildError, Client, ClientBuilder};
pub use error::{DecodeError, EncodeError, Error, Problem, TransportError};
pub use pending::Pending;
pub use task::TaskHandle;

/// What the generated `call`s name, through `qh::__private::client`.
#[doc(hidden)]
pub mod generated {
    pub use super::answer::Answer;
    pub use super::bounds::{Decoder, HeaderArg, JsonArg, Receive, UrlArg};
    pub use super::builder::Client;
    pub use super::call::Call;
    pub use super::error::Error;
    pub use super::pending::Pending;
    pub use super::task::TaskHandle;
}
