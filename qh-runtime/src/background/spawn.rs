//! Spawning tasks that keep the request's context.

use std::future::Future;

use tokio::task::JoinHandle;

use crate::context::shutdown::Shutdown;

/// Spawns `future` on the tokio runtime with a copy of the current request's
/// context, so [`request_id`](crate::request_id), [`context::get`](crate::context::get)
/// and the request's `tracing` span keep working inside it after the request
/// has been answered. Outside a request it behaves like [`tokio::spawn`](https://docs.rs/tokio/1/tokio/fn.spawn.html).
///
/// Inside a request that belongs to an app's
/// [`Shutdown`](crate::background::Shutdown), the task counts toward it
/// until it ends (or is aborted).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::{context::Context, RequestId};
///
/// let id = RequestId::from_static("req-1");
/// let handle = Context::new(id).scope(async {
///     qh::spawn(async { qh::request_id() })
/// }).await;
/// assert_eq!(handle.await.unwrap().unwrap(), "req-1");
/// # }
/// ```
///
/// # Panics
///
/// Like [`tokio::spawn`](https://docs.rs/tokio/1/tokio/fn.spawn.html), when called outside a tokio runtime.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    use tracing::Instrument;
    let span = tracing::Span::current();
    match crate::context::Context::current() {
        Some(ctx) => match ctx.shutdown().map(Shutdown::track) {
            Some(guard) => {
                let counted = async move {
                    let _counted = guard;
                    future.await
                };
                tokio::spawn(ctx.scope(counted).instrument(span))
            }
            None => tokio::spawn(ctx.scope(future).instrument(span)),
        },
        None => tokio::spawn(future.instrument(span)),
    }
}
