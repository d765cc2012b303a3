//! A future extension that binds a future to the current request.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use tracing::instrument::Instrumented;
use tracing::Instrument;

use crate::context::Scoped as InContext;

/// Binds a future to the request that creates it: `fut.in_current_request()`
/// runs `fut` with a copy of the current request's context and inside its
/// `tracing` span, wherever it is polled later (another task, a
/// `tokio::select!`, a runtime of your own).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::background::InCurrentRequest;
/// use qh::{context::Context, RequestId};
///
/// let fut = Context::new(RequestId::from_static("req-9"))
///     .scope(async { async { qh::request_id() }.in_current_request() })
///     .await;
/// // Polled outside the request, it still sees the request's ID.
/// assert_eq!(tokio::spawn(fut).await.unwrap().unwrap(), "req-9");
/// # }
/// ```
pub trait InCurrentRequest: Future + Sized {
    /// This future, carrying the current request's context and span. Outside
    /// a request it carries only the current span.
    fn in_current_request(self) -> InRequest<Self> {
        let span = tracing::Span::current();
        let inner = match crate::context::Context::current() {
            Some(ctx) => Scoped::Context {
                fut: ctx.scope(self),
            },
            None => Scoped::Bare { fut: self },
        };
        InRequest {
            inner: inner.instrument(span),
        }
    }
}

impl<F: Future> InCurrentRequest for F {}

pin_project_lite::pin_project! {
    /// The future returned by [`InCurrentRequest::in_current_request`].
    ///
    /// # Examples
    ///
    /// A worker task that runs jobs handed over by requests, each in the
    /// context of the request that sent it:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::{future::Future, pin::Pin};
    ///
    /// use qh::background::{InCurrentRequest, InRequest};
    /// use qh::{context::Context, RequestId};
    ///
    /// type Job = InRequest<Pin<Box<dyn Future<Output = ()> + Send>>>;
    ///
    /// let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Job>();
    /// let worker = tokio::spawn(async move {
    ///     while let Some(job) = rx.recv().await {
    ///         job.await;
    ///     }
    /// });
    ///
    /// Context::new(RequestId::from_static("req-7"))
    ///     .scope(async {
    ///         let job: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async {
    ///             assert_eq!(qh::request_id().unwrap(), "req-7");
    ///         });
    ///         tx.send(job.in_current_request()).unwrap();
    ///     })
    ///     .await;
    /// drop(tx);
    /// worker.await.unwrap();
    /// # }
    /// ```
    pub struct InRequest<F: Future> {
        #[pin]
        inner: Instrumented<Scoped<F>>,
    }
}

pin_project_lite::pin_project! {
    #[project = ScopedProj]
    enum Scoped<F: Future> {
        Context { #[pin] fut: InContext<F> },
        Bare { #[pin] fut: F },
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        match self.project() {
            ScopedProj::Context { fut } => fut.poll(cx),
            ScopedProj::Bare { fut } => fut.poll(cx),
        }
    }
}

impl<F: Future> Future for InRequest<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        self.project().inner.poll(cx)
    }
}
