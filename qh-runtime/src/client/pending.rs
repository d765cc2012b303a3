//! [`Pending`]: the future a typed call returns.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::Error;

/// The future of a typed call (`endpoint::call(&client, …)`): its
/// answer, as the endpoint's return type, or the [`Error`]. `Send` and
/// `'static`, so it can be spawned or kept in a struct.
///
/// Nothing is sent until it is polled.
///
/// # Examples
///
/// ```no_run
/// # async fn demo(client: qh::client::Client) -> Result<(), qh::client::Error> {
/// #[qh::endpoint]
/// fn add(a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// let first = add::call(&client, 1, 2);            // nothing sent yet
/// let second = tokio::spawn(add::call(&client, 3, 4)); // sent on its own task
/// assert_eq!(first.await?, 3);
/// assert_eq!(second.await.expect("not cancelled")?, 7);
/// # Ok(()) }
/// ```
#[must_use = "a call sends nothing unless it is awaited"]
pub struct Pending<T>(Pin<Box<dyn Future<Output = Result<T, Error>> + Send>>);

impl<T> Pending<T> {
    pub(crate) fn new(future: impl Future<Output = Result<T, Error>> + Send + 'static) -> Self {
        Self(Box::pin(future))
    }
}

impl<T> Future for Pending<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl<T> fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending").finish_non_exhaustive()
    }
}
