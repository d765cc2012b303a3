//! reqwest integration (cargo feature `reqwest`): outbound requests carry
//! [`headers()`](super::headers) without hand-written code.

use std::future::Future;
use std::pin::Pin;

use http::Extensions;
use reqwest_middleware::{Middleware, Next};

/// `reqwest-middleware` middleware adding [`propagation::headers()`](super::headers)
/// to every request sent from inside a qh request. Headers the caller set
/// itself are left alone; outside a request nothing is added.
///
/// ```
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(qh::propagation::Propagate)
///     .build();
/// // In a handler: the ID, traceparent/tracestate and TrackingContext
/// // headers go along.
/// // client.get("http://127.0.0.1:4000/stock").send().await?;
/// # drop(client);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Propagate;

impl Propagate {
    /// `client` wrapped with this middleware alone; add more middleware with
    /// `reqwest_middleware::ClientBuilder` instead.
    ///
    /// ```
    /// let client = qh::propagation::Propagate::client(reqwest::Client::new());
    /// # drop(client);
    /// ```
    #[must_use]
    pub fn client(client: reqwest::Client) -> reqwest_middleware::ClientWithMiddleware {
        reqwest_middleware::ClientBuilder::new(client)
            .with(Self)
            .build()
    }
}

impl Middleware for Propagate {
    // `reqwest-middleware` declares `handle` with `async_trait`; this is its
    // expansion, written out so qh needs no `async-trait` dependency.
    fn handle<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        mut req: reqwest::Request,
        extensions: &'life1 mut Extensions,
        next: Next<'life2>,
    ) -> Pin<
        Box<
            dyn Future<Output = reqwest_middleware::Result<reqwest::Response>>
                + Send
                + 'async_trait,
        >,
    >
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        // Read the context now: `handle` runs inside the caller's task,
        // where the request's context is set.
        let ours = super::headers();
        let target = req.headers_mut();
        for name in ours.keys() {
            if !target.contains_key(name) {
                for value in ours.get_all(name) {
                    target.append(name.clone(), value.clone());
                }
            }
        }
        Box::pin(next.run(req, extensions))
    }
}

/// `.propagate()` on request builders: adds
/// [`propagation::headers()`](super::headers) (replacing those of the same
/// name set before; headers set after it win).
///
/// ```
/// use qh::propagation::PropagateExt;
///
/// async fn call_stock(client: &reqwest::Client) -> reqwest::Result<reqwest::Response> {
///     client.get("http://127.0.0.1:4000/stock").propagate().send().await
/// }
/// ```
pub trait PropagateExt: Sized {
    /// Adds the current request's propagation headers.
    #[must_use]
    fn propagate(self) -> Self;
}

impl PropagateExt for reqwest::RequestBuilder {
    fn propagate(self) -> Self {
        self.headers(super::headers())
    }
}

impl PropagateExt for reqwest_middleware::RequestBuilder {
    fn propagate(self) -> Self {
        self.headers(super::headers())
    }
}
