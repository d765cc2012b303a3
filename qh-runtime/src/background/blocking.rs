//! Blocking work on tokio's blocking pool that keeps the request's context.

use tokio::task::JoinHandle;

/// Runs `f` on tokio's blocking thread pool with a copy of the current
/// request's context (its ID, its [`context`](crate::context) values) and
/// inside the request's `tracing` span, so [`request_id`](crate::request_id)
/// and log lines in `f` keep the request's ID. Outside a request it behaves
/// like [`tokio::task::spawn_blocking`](https://docs.rs/tokio/1/tokio/task/fn.spawn_blocking.html).
///
/// Inside a request that belongs to an app's
/// [`Shutdown`](crate::background::Shutdown), the call counts toward it
/// until `f` returns.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::{context::Context, RequestId};
///
/// let seen = Context::new(RequestId::from_static("req-7"))
///     .scope(async { qh::spawn_blocking(qh::request_id) })
///     .await
///     .await
///     .unwrap();
/// assert_eq!(seen.unwrap(), "req-7");
/// # }
/// ```
///
/// # Panics
///
/// Like [`tokio::task::spawn_blocking`](https://docs.rs/tokio/1/tokio/task/fn.spawn_blocking.html), when called outside a tokio runtime.
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    let ctx = crate::context::Context::current();
    let guard = ctx
        .as_ref()
        .and_then(crate::context::Context::shutdown)
        .map(crate::context::shutdown::Shutdown::track);
    tokio::task::spawn_blocking(move || {
        let _guard = guard;
        span.in_scope(|| match ctx {
            Some(ctx) => ctx.sync_scope(f),
            None => f(),
        })
    })
}
