//! Task endpoints: work that answers `202` at once and runs in the
//! background, with its status, result and cancellation served under
//! `/tasks` (Python qh's task API, with the request context kept).
//!
//! - [`Runner`]: the app's runner, built once ([`Runner::builder`]) and
//!   handed to the router as an `axum::Extension`; [`Runner::submit`]
//!   records a task and runs it with the submitting request's context.
//! - [`CallerTasks`]: the runner as one request sees it (the caller's
//!   owner known); the extractor task endpoints and the routes take.
//! - [`TaskStore`]: where records live; [`MemoryTaskStore`] (default,
//!   bounded) and, with the feature `redis`, `RedisTaskStore` (records
//!   shared by many instances, cancellation across them, leases).
//! - [`router()`]: the `/tasks` routes to merge into a router (`qh::routes!`
//!   mounts them itself with any task endpoint). Private by default: no
//!   listing of every task unless [`RunnerBuilder::listing`] turns it on,
//!   and with an [`owner`](RunnerBuilder::owner) hook each client sees its
//!   own tasks only.
//! - [`Quota`]: how much of the runner one caller may hold; an
//!   `Idempotency-Key` on a submission returns the first one's task.
//!
//! # Tasks that survive their instance
//!
//! A task endpoint's submission stores its [`Invocation`] (what the
//! endpoint reads of the request, never another header), so the task can
//! run again: in this process after an `Err` or a panic
//! (`#[qh::endpoint(task, retries = n)]`), and, on a store shared by
//! instances, on another instance when its own is lost or hands it back at
//! shutdown. Each instance registers the task endpoints it serves
//! ([`RunnerBuilder::endpoint`]); its runner sweeps the store for lost
//! tasks every third of a lease. Every attempt counts against
//! [`RunnerBuilder::max_attempts`]; the record and the status route show
//! which attempt runs. See the crate's README for what happens to a task
//! in each failure, and the Redis settings that keep tasks.
//!
//! # For generated code (`#[qh::endpoint(task)]`)
//!
//! A task endpoint's companion handler takes the request's
//! [`CallerTasks`] (the runner in its extensions; a router made by
//! `qh::routes!` supplies a memory runner to requests that carry none),
//! prepares the call as usual, then instead of awaiting the function
//! (shown here with a future; generated code passes the function's work
//! with what it needs to run again, through `submit_endpoint_task`):
//!
//! ```
//! # async fn add(a: i64, b: i64) -> i64 { a + b }
//! # async fn companion(tasks: qh::tasks::CallerTasks) -> axum::response::Response {
//! use axum::response::IntoResponse;
//! // `add` is the user's function; its output turned into a `TaskOutcome`.
//! let work = async move { Ok(serde_json::json!(add(1, 2).await)) };
//! match tasks.submit_json("add", work).await {
//!     Ok(submitted) => submitted.into_response(), // 202 + Location + JSON
//!     // 503 problem+json, `Retry-After`, a generic detail, logged; or
//!     // 401 problem+json when an owner hook finds no owner.
//!     Err(e) => e.into_response(),
//! }
//! # }
//! ```
//!
//! [`Submitted`] answers `202 {"task_id", "status": "submitted",
//! "request_id"}` with `Location: /tasks/{task_id}`; `qh::routes!` merges
//! [`router()`] once when any task endpoint is present.
//! [`parse_async_flag`] reads `?async=` / `X-Async` for
//! `task = "optional"`.

mod attempts;
mod builder;
pub(crate) mod caller;
pub(crate) mod endpoint;
mod error;
pub(crate) mod http;
mod invocation;
mod outcome;
pub(crate) mod owner;
mod quota;
pub(crate) mod replay;
mod runner;
mod store;
mod submitted;

pub use builder::RunnerBuilder;
pub use caller::CallerTasks;
pub use error::{TaskError, TaskOutcome};
pub use http::query::{DEFAULT_LIST_LIMIT, DEFAULT_WAIT, MAX_LIST_LIMIT, MAX_WAIT};
pub use http::routes::router;
pub use http::waiting::DEFAULT_MAX_WAITERS;
pub use invocation::Invocation;
pub use quota::{Quota, QuotaKind};
pub use replay::TaskEndpoint;
pub use runner::Runner;
pub use store::memory::MemoryTaskStore;
pub use store::record::{TaskRecord, TaskStatus, Transition, UnknownStatus};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use store::redis::{RedisOptions, RedisTaskStore};
pub use store::{Admitted, BoxFuture, Limits, ListFilter, StoreError, Sweep, TaskStore};
pub use submitted::{SubmitError, Submitted};

pub(crate) use http::mounting::with_default_runner;

/// Whether a request asks for a `task = "optional"` endpoint to run in the
/// background: `?async=true|1|yes|on` or `X-Async: true|1|yes|on`
/// (case-insensitive), as Python qh reads them; a flag reads as `bool`
/// parameters do. The query's first `async` wins over the header when it
/// is a flag.
///
/// ```
/// let req = axum::http::Request::get("/f?async=YES").body(()).unwrap();
/// let (parts, ()) = req.into_parts();
/// assert!(qh::tasks::parse_async_flag(&parts));
/// ```
#[must_use]
pub fn parse_async_flag(parts: &::http::request::Parts) -> bool {
    let query = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "async")
        .and_then(|(_, v)| crate::extract::parse_bool(v.as_bytes()));
    query
        .or_else(|| {
            let header = parts.headers.get("x-async")?;
            crate::extract::parse_bool(header.as_bytes())
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::parse_async_flag;

    fn parts(uri: &str, header: Option<&str>) -> ::http::request::Parts {
        let mut req = ::http::Request::get(uri);
        if let Some(h) = header {
            req = req.header("X-Async", h);
        }
        req.body(()).unwrap().into_parts().0
    }

    #[test]
    fn async_switches_follow_python_qh() {
        assert!(!parse_async_flag(&parts("/f", None)));
        assert!(parse_async_flag(&parts("/f?async=1", None)));
        assert!(parse_async_flag(&parts("/f?x=2&async=Yes", None)));
        assert!(parse_async_flag(&parts("/f", Some("TRUE"))));
        assert!(!parse_async_flag(&parts("/f", Some("nope"))));
        // The query wins over the header.
        assert!(!parse_async_flag(&parts("/f?async=false", Some("true"))));
        assert!(!parse_async_flag(&parts("/f?async=maybe", None)));
    }
}
