//! Where the current request's [`Context`] lives while code runs: one
//! thread-local slot, swapped with the owner's copy around each poll (as a
//! tokio task-local is), so entering and leaving a request moves the context
//! in and out without cloning it. The layer's and endpoints' futures, the
//! response body and spawned work all enter it through [`within`].

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use super::Context;

thread_local! {
    static CURRENT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// Runs `f` with `slot`'s context as the current one, and puts it back in
/// `slot` afterwards (with whatever `f` stored in it), even if `f` panics.
/// With an empty `slot`, `f` runs in whatever context is current.
#[inline]
pub(crate) fn within<R>(slot: &mut Option<Context>, f: impl FnOnce() -> R) -> R {
    if slot.is_none() {
        return f();
    }
    match Swapped::enter(slot) {
        Some(_restore) => f(),
        // The thread is being torn down: its locals are gone.
        None => f(),
    }
}

/// Swaps the slot's context in; swaps it back out on drop.
struct Swapped<'a> {
    slot: &'a mut Option<Context>,
}

impl<'a> Swapped<'a> {
    fn enter(slot: &'a mut Option<Context>) -> Option<Self> {
        exchange(slot).then(move || Self { slot })
    }
}

impl Drop for Swapped<'_> {
    fn drop(&mut self) {
        exchange(self.slot);
    }
}

/// Swaps `slot` with the thread's current context; `false` when the
/// thread's locals are gone. Never inlined: entering and leaving share one
/// copy of the swap. Inlined, the compiler lays the 120-byte swap out anew
/// at each site, and a change elsewhere in the crate could turn one site's
/// 32 instructions into 60 (measured).
#[inline(never)]
fn exchange(slot: &mut Option<Context>) -> bool {
    CURRENT
        .try_with(|current| std::mem::swap(&mut *current.borrow_mut(), slot))
        .is_ok()
}

/// `f(&current)` when code runs inside a request's context.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Context) -> R) -> Option<R> {
    CURRENT
        .try_with(|current| current.borrow().as_ref().map(f))
        .ok()
        .flatten()
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
        slot: Option<Context>,
        #[pin]
        inner: F,
    }
}

impl<F> Scoped<F> {
    pub(crate) fn new(ctx: Context, inner: F) -> Self {
        Self {
            slot: Some(ctx),
            inner,
        }
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let inner = this.inner;
        within(this.slot, || inner.poll(cx))
    }
}
