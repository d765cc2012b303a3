//! Panics caught: a future wrapper that catches them, and their text.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

/// What a panic left behind.
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

pin_project_lite::pin_project! {
    /// Polls `inner`, catching a panic into `Err(payload)`.
    pub struct CatchUnwind<F> {
        #[pin]
        inner: F,
    }
}

impl<F> CatchUnwind<F> {
    pub(crate) fn new(inner: F) -> Self {
        Self { inner }
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Payload>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.project().inner;
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

/// The text of a panic (`panic!("…")` leaves a `&str` or a `String`).
pub(crate) fn text(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// `fut`, with a panic during any poll turned into its message, for work
/// whose panic is logged or recorded rather than answered.
pub(crate) async fn catch_message<F: Future>(fut: F) -> Result<F::Output, String> {
    CatchUnwind::new(fut).await.map_err(|payload| {
        text(&*payload)
            .unwrap_or("non-string panic payload")
            .to_owned()
    })
}
