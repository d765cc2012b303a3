//! [`Client`] and its [`ClientBuilder`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderName;
use reqwest_middleware::Middleware;

use super::retry::Retry;
use crate::id::{IdGenerator, DEFAULT_HEADER};
use crate::propagation::Propagate;

/// Where the endpoints' service is, and how to reach it: what every typed
/// call (`endpoint::call(&client, …)`) goes through.
///
/// Built on reqwest-middleware, with qh's
/// [`Propagate`] always in the stack: a call made
/// inside a request carries that request's ID (under the header it came
/// in under), `traceparent`/`tracestate` and the `TrackingContext`
/// headers; a call made outside any request carries a fresh ID of its own.
/// Answers `503 Service Unavailable` are retried (by default twice),
/// after the `Retry-After` they give when it is within a bound.
///
/// Cloning is cheap and shares the connection pool.
///
/// ```
/// use std::time::Duration;
///
/// let client = qh::client::Client::builder("http://127.0.0.1:4000")
///     .timeout(Duration::from_secs(5))
///     .retries(3)
///     .build()?;
/// assert_eq!(client.base_url(), "http://127.0.0.1:4000");
/// # Ok::<(), qh::client::BuildError>(())
/// ```
#[derive(Clone)]
pub struct Client(pub(crate) Arc<Inner>);

pub(crate) struct Inner {
    base_url: String,
    pub(crate) http: reqwest_middleware::ClientWithMiddleware,
    pub(crate) header: HeaderName,
    pub(crate) generator: IdGenerator,
    pub(crate) timeout: Option<Duration>,
    retries: u32,
    retry_wait: Duration,
}

impl Client {
    /// A client of the service at `base_url` (`http://host:port`, with a
    /// path prefix if the routes are nested under one), with the defaults
    /// of [`Client::builder`].
    ///
    /// # Errors
    ///
    /// When `base_url` is not an absolute `http` or `https` URL without a
    /// query, or the HTTP client cannot be made.
    pub fn new(base_url: &str) -> Result<Self, BuildError> {
        Self::builder(base_url).build()
    }

    /// A builder for a client of the service at `base_url`. Defaults: a
    /// 30 s timeout per call (a task's long poll takes as long as it
    /// waits), a 10 s connect timeout, 2 retries of a 503 within a 10 s
    /// `Retry-After`, fresh IDs (outside requests) from UUID v4 under
    /// `X-Request-ID`.
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_owned(),
            timeout: Some(Duration::from_secs(30)),
            connect_timeout: Some(Duration::from_secs(10)),
            retries: 2,
            retry_wait: Duration::from_secs(10),
            header: Ok(DEFAULT_HEADER),
            generator: IdGenerator::UuidV4,
            reqwest: None,
            middleware: Vec::new(),
        }
    }

    /// The base URL calls' paths are appended to (no trailing `/`).
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.0.base_url
    }

    /// The timeout of one call, if any.
    #[must_use]
    pub fn timeout(&self) -> Option<Duration> {
        self.0.timeout
    }

    /// How many times a `503` is retried.
    #[must_use]
    pub fn retries(&self) -> u32 {
        self.0.retries
    }

    /// The longest `Retry-After` waited for before a retry.
    #[must_use]
    pub fn retry_wait(&self) -> Duration {
        self.0.retry_wait
    }

    /// The header a fresh ID goes out under, outside requests.
    #[must_use]
    pub fn header(&self) -> &HeaderName {
        &self.0.header
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.0.base_url)
            .field("timeout", &self.0.timeout)
            .field("retries", &self.0.retries)
            .finish_non_exhaustive()
    }
}

/// The configuration of a [`Client`]: bare setters, then
/// [`build`](Self::build).
///
/// The middleware stack, outermost first: yours (in the order of
/// [`with`](Self::with)), qh's [`Propagate`], then the retry of `503`s, so
/// every attempt carries the same headers and your middleware sees one
/// call.
///
/// ```
/// use std::time::Duration;
///
/// let client = qh::client::Client::builder("http://127.0.0.1:4000/api")
///     .timeout(Duration::from_secs(5))
///     .connect_timeout(Duration::from_secs(1))
///     .retries(1)
///     .retry_wait(Duration::from_secs(2))
///     .header("X-Correlation-ID")
///     .generator(qh::IdGenerator::UuidV7)
///     .build()?;
/// assert_eq!(client.header(), "x-correlation-id");
/// # Ok::<(), qh::client::BuildError>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retries: u32,
    retry_wait: Duration,
    header: Result<HeaderName, http::header::InvalidHeaderName>,
    generator: IdGenerator,
    reqwest: Option<reqwest::Client>,
    middleware: Vec<Arc<dyn Middleware>>,
}

impl ClientBuilder {
    /// The timeout of one attempt of a call (default 30 s; each retry has
    /// its own); a task's long poll takes its own wait's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The timeout of connecting (default 10 s). Not applied to a client
    /// given with [`reqwest`](Self::reqwest), which has its own.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How many times an answer `503 Service Unavailable` is retried
    /// (default 2; 0 turns retries off).
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// The longest wait before a retry (default 10 s): a `503` whose
    /// `Retry-After` asks for longer is returned as it is. Without
    /// `Retry-After`, retries wait 100 ms, then 200 ms, and so on.
    pub fn retry_wait(mut self, wait: Duration) -> Self {
        self.retry_wait = wait;
        self
    }

    /// The header a fresh ID is sent under by calls made outside any
    /// request (default `X-Request-ID`; inside a request, the ID goes
    /// under the header it came in under).
    pub fn header(mut self, name: &str) -> Self {
        self.header = HeaderName::from_bytes(name.as_bytes());
        self
    }

    /// How fresh IDs are made outside requests (default UUID v4).
    pub fn generator(mut self, generator: IdGenerator) -> Self {
        self.generator = generator;
        self
    }

    /// The reqwest client to send with (its TLS, proxy, pool settings);
    /// by default one is made with the timeouts above.
    pub fn reqwest(mut self, client: reqwest::Client) -> Self {
        self.reqwest = Some(client);
        self
    }

    /// Adds a reqwest-middleware middleware of your own (authentication,
    /// logging, …), outside qh's.
    pub fn with<M: Middleware>(mut self, middleware: M) -> Self {
        self.middleware.push(Arc::new(middleware));
        self
    }

    /// The client.
    ///
    /// # Errors
    ///
    /// [`BuildError::BaseUrl`] when the base URL is not an absolute
    /// `http`/`https` URL without a query or fragment,
    /// [`BuildError::Header`] for an invalid [`header`](Self::header),
    /// [`BuildError::Http`] when the reqwest client cannot be made.
    pub fn build(self) -> Result<Client, BuildError> {
        let base_url = check_base_url(&self.base_url)?;
        let header = self.header.map_err(BuildError::Header)?;
        let http = match self.reqwest {
            Some(client) => client,
            None => {
                let mut builder = reqwest::Client::builder();
                if let Some(timeout) = self.connect_timeout {
                    builder = builder.connect_timeout(timeout);
                }
                builder.build().map_err(BuildError::Http)?
            }
        };
        let mut stack = reqwest_middleware::ClientBuilder::new(http);
        for middleware in self.middleware {
            stack = stack.with_arc(middleware);
        }
        let stack = stack.with(Propagate).with(Retry {
            retries: self.retries,
            max_wait: self.retry_wait,
        });
        Ok(Client(Arc::new(Inner {
            base_url,
            http: stack.build(),
            header,
            generator: self.generator,
            timeout: self.timeout,
            retries: self.retries,
            retry_wait: self.retry_wait,
        })))
    }
}

/// The base URL without its trailing `/`, if it is one calls can extend.
fn check_base_url(text: &str) -> Result<String, BuildError> {
    let url = reqwest::Url::parse(text).map_err(|e| BuildError::BaseUrl(Box::new(e)))?;
    let why = if !matches!(url.scheme(), "http" | "https") {
        Some("the scheme must be `http` or `https`")
    } else if url.cannot_be_a_base() || url.host_str().is_none() {
        Some("it must name a host")
    } else if url.query().is_some() || url.fragment().is_some() {
        Some("it cannot have a query or a fragment")
    } else {
        None
    };
    if let Some(why) = why {
        return Err(BuildError::BaseUrl(why.into()));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Why a [`Client`] could not be built.
///
/// # Examples
///
/// ```
/// use qh::client::{BuildError, Client};
///
/// let err = Client::new("localhost:4000").unwrap_err(); // no scheme
/// assert!(matches!(err, BuildError::BaseUrl(_)), "{err}");
/// let err = Client::builder("http://127.0.0.1:4000").header("X Id").build().unwrap_err();
/// assert!(matches!(err, BuildError::Header(_)), "{err}");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is not an absolute `http`/`https` URL without a query.
    BaseUrl(Box<dyn std::error::Error + Send + Sync>),
    /// The ID header name is not a valid header name.
    Header(http::header::InvalidHeaderName),
    /// The reqwest client could not be made (its TLS backend, say).
    Http(reqwest::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BaseUrl(_) => f.write_str("invalid base URL"),
            Self::Header(_) => f.write_str("invalid ID header name"),
            Self::Http(_) => f.write_str("the HTTP client could not be made"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::BaseUrl(e) => Some(&**e),
            Self::Header(e) => Some(e),
            Self::Http(e) => Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(check_base_url("http://a:1/").unwrap(), "http://a:1");
        assert_eq!(check_base_url("https://a/api/").unwrap(), "https://a/api");
        for bad in [
            "a:1",
            "ftp://a/",
            "http://a/?q=1",
            "http://a/#f",
            "/relative",
            "mailto:x@y",
        ] {
            assert!(
                matches!(check_base_url(bad), Err(BuildError::BaseUrl(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            Client::builder("http://a").header("bad header").build(),
            Err(BuildError::Header(_))
        ));
    }
}
