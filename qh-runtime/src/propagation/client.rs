//! reqwest integration (cargo feature `reqwest`): outbound requests carry
//! [`headers()`](super::headers) without hand-written code.

use std::future::Future;
use std::pin::Pin;

use http::Extensions;
use reqwest_middleware::{Middleware, Next};
use tracing::Instrument;

/// `reqwest-middleware` middleware making every request sent from inside a
/// qh request an [`OutboundCall`](super::OutboundCall): a client span of its
/// own (method, server, URL without the query, status, `error.type`, the
/// request ID), whose span ID goes out in `traceparent` with the rest of
/// [`propagation::headers()`](super::headers). Headers the caller set
/// itself are left alone; outside a request nothing is added (the client
/// span is still made).
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
        // Start the call now: `handle` runs inside the caller's task, where
        // the request's context is set and its span current.
        let url = req.url();
        let target = super::Target {
            scheme: url.scheme(),
            host: url.host_str().unwrap_or(""),
            port: url.port(),
            path: url.path(),
        };
        let call = super::OutboundCall::begin(super::Kind::Http(req.method()), target);
        let target = req.headers_mut();
        let ours = call.headers();
        for name in ours.keys() {
            if !target.contains_key(name) {
                for value in ours.get_all(name) {
                    target.append(name.clone(), value.clone());
                }
            }
        }
        let span = call.span().clone();
        Box::pin(async move {
            let res = next.run(req, extensions).instrument(span).await;
            match &res {
                Ok(res) => call.end(res.status()),
                Err(error) => call.fail(error_type(error)),
            }
            res
        })
    }
}

/// A failed call's `error.type`: what kind of failure reqwest reports.
fn error_type(error: &reqwest_middleware::Error) -> &'static str {
    match error {
        reqwest_middleware::Error::Reqwest(e) if e.is_timeout() => "timeout",
        reqwest_middleware::Error::Reqwest(e) if e.is_connect() => "connect",
        reqwest_middleware::Error::Reqwest(e) if e.is_redirect() => "redirect",
        reqwest_middleware::Error::Reqwest(e) if e.is_body() => "body",
        reqwest_middleware::Error::Reqwest(e) if e.is_request() => "request",
        reqwest_middleware::Error::Reqwest(_) => "reqwest",
        reqwest_middleware::Error::Middleware(_) => "middleware",
    }
}

/// `.propagate()` on request builders: adds
/// [`propagation::headers()`](super::headers) (replacing those of the same
/// name set before; headers set after it win).
///
/// A builder cannot see the answer, so this makes no client span: the
/// `traceparent` names the span current here (the request's) as the
/// parent. For a client span per call, send through a client with the
/// [`Propagate`] middleware, or make an [`OutboundCall`](super::OutboundCall).
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
