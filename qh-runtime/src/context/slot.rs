//! Where the current request's [`Context`] is found while code runs: a
//! scoped thread-local pointing at the context its owner keeps (the
//! request's scope, a [`Scoped`] future), set around each poll and reset
//! after it, even on a panic. Entering a request sets a pointer: the
//! context itself stays where it is. The layer's and endpoints' futures,
//! the response body and spawned work all enter it through [`within`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use super::Context;

// Set and read through `set`, `is_set` and `with` only: the key's `inner`
// field is public in scoped-tls 1.0.1, and a pointer stored through it
// would be read back as a `Context`.
scoped_tls::scoped_thread_local!(static CURRENT: Context);

/// Runs `f` with `ctx` as the current context.
#[inline]
pub(crate) fn within<R>(ctx: &Context, f: impl FnOnce() -> R) -> R {
    CURRENT.set(ctx, f)
}

/// `f(&current)` when code runs inside a request's context.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Context) -> R) -> Option<R> {
    CURRENT.is_set().then(|| CURRENT.with(f))
}

pin_project_lite::pin_project! {
    /// A future that runs with a request's [`Context`] as the current one
    /// (see [`Context::scope`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use qh::context::{Context, Scoped};
    /// use qh::RequestId;
    ///
    /// async fn poll_inbox() -> Option<qh::RequestId> {
    ///     qh::request_id()
    /// }
    ///
    /// // Every poll of the job, on whichever task, sees its context.
    /// let job: Scoped<_> = Context::new(RequestId::from_static("cron-7")).scope(poll_inbox());
    /// let id = tokio::spawn(job).await.unwrap();
    /// assert_eq!(id.unwrap(), "cron-7");
    /// # }
    /// ```
    pub struct Scoped<F> {
        ctx: Context,
        #[pin]
        inner: F,
    }
}

impl<F> Scoped<F> {
    pub(crate) fn new(ctx: Context, inner: F) -> Self {
        Self { ctx, inner }
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let inner = this.inner;
        within(this.ctx, || inner.poll(cx))
    }
}
