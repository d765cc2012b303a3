//! [`Tracking`]: the app-wide configuration, and the tower layer that gives
//! every route an ID, a context and an echo.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::{ready, Context as TaskContext, Poll};

use http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};
use tracing::instrument::Instrumented;
use tracing::Instrument;

use crate::context::Context;
use crate::validate::Validator;
use crate::{IdGenerator, RequestId};

/// The header read and echoed by default: `x-request-id`.
pub const DEFAULT_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// How request IDs are resolved, and a tower [`Layer`] applying it to a
/// whole router.
///
/// ```
/// use axum::{routing::get, Router};
/// use qh::{IdGenerator, Tracking};
///
/// let app: Router = Router::new()
///     .route("/health", get(|| async { "ok" }))
///     .layer(
///         Tracking::new()
///             .header("X-Correlation-ID")
///             .fallback_header("X-Request-ID")
///             .generator(IdGenerator::UuidV7)
///             .max_len(64),
///     );
/// ```
///
/// With the layer, every request (404s and plain axum handlers included) gets
/// an ID, runs inside its context, is wrapped in a `request` tracing span with
/// a `request_id` field, and is answered with the ID echoed. qh endpoints
/// below it reuse the layer's ID. Without the layer, endpoints resolve IDs
/// with [`Tracking::new`]'s defaults.
#[derive(Clone, Debug)]
pub struct Tracking {
    config: Arc<Config>,
}

#[derive(Clone, Debug)]
struct Config {
    header: HeaderName,
    fallbacks: Vec<HeaderName>,
    generator: IdGenerator,
    trust_incoming: bool,
    validator: Validator,
}

static DEFAULTS: LazyLock<Tracking> = LazyLock::new(Tracking::new);

impl Default for Tracking {
    fn default() -> Self {
        Self::new()
    }
}

/// The outcome of resolving a request's ID.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The tracking ID.
    pub id: RequestId,
    /// The client's valid ID, kept when incoming IDs are not trusted.
    pub client_id: Option<RequestId>,
    /// The header the ID is echoed under.
    pub header: HeaderName,
}

impl Resolved {
    /// The context store entry for this ID.
    #[must_use]
    pub fn context(&self) -> Context {
        Context::new(self.id.clone()).with_client_id(self.client_id.clone())
    }
}

impl Tracking {
    /// The defaults: header `X-Request-ID`, incoming IDs trusted when valid
    /// (1–128 bytes of `[A-Za-z0-9._~:+/=@-]`), new IDs UUID v4.
    #[must_use]
    pub fn new() -> Self {
        Self {
            config: Arc::new(Config {
                header: DEFAULT_HEADER,
                fallbacks: Vec::new(),
                generator: IdGenerator::UuidV4,
                trust_incoming: true,
                validator: Validator::default(),
            }),
        }
    }

    /// The shared default configuration, used by endpoints without a layer.
    #[must_use]
    pub fn defaults() -> &'static Self {
        &DEFAULTS
    }

    fn config_mut(&mut self) -> &mut Config {
        Arc::make_mut(&mut self.config)
    }

    /// The header the ID is read from and echoed under (default
    /// `X-Request-ID`; case-insensitive).
    ///
    /// # Panics
    ///
    /// When `name` is not a valid header name (this is configuration, not
    /// request input).
    #[must_use]
    pub fn header(mut self, name: impl AsRef<str>) -> Self {
        self.config_mut().header = parse_header_name(name.as_ref());
        self
    }

    /// Another header to read the ID from when the main one is absent or
    /// invalid. Fallbacks are tried in the order they are added; an ID taken
    /// from one is echoed under that same header.
    ///
    /// # Panics
    ///
    /// When `name` is not a valid header name.
    #[must_use]
    pub fn fallback_header(mut self, name: impl AsRef<str>) -> Self {
        let name = parse_header_name(name.as_ref());
        self.config_mut().fallbacks.push(name);
        self
    }

    /// How new IDs are made (default [`IdGenerator::UuidV4`]).
    #[must_use]
    pub fn generator(mut self, generator: IdGenerator) -> Self {
        self.config_mut().generator = generator;
        self
    }

    /// Whether valid incoming IDs are used (default `true`). When `false`,
    /// every request gets a new ID; a valid client value is kept beside it
    /// ([`context::client_request_id`](crate::context::client_request_id),
    /// and the span's `client_request_id` field) but never used as the ID.
    #[must_use]
    pub fn trust_incoming(mut self, trust: bool) -> Self {
        self.config_mut().trust_incoming = trust;
        self
    }

    /// The longest incoming ID accepted, in bytes (default 128). Replaces a
    /// custom validator.
    #[must_use]
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.config_mut().validator = Validator::Default { max_len };
        self
    }

    /// A custom rule for incoming IDs, replacing the default alphabet and
    /// length. Only visible ASCII ever reaches it.
    #[must_use]
    pub fn validator(mut self, rule: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.config_mut().validator = Validator::custom(rule);
        self
    }

    /// The header IDs are read from and echoed under.
    #[must_use]
    pub fn header_name(&self) -> &HeaderName {
        &self.config.header
    }

    /// Resolves the ID of a request with these headers: the first valid
    /// incoming value if trusted, else a new one. `header` overrides the
    /// configured main header (an endpoint's `#[header("…")] request_id`).
    #[must_use]
    pub fn resolve(&self, headers: &HeaderMap, header: Option<&HeaderName>) -> Resolved {
        let config = &*self.config;
        let main = header.unwrap_or(&config.header);
        let incoming = std::iter::once(main)
            .chain(&config.fallbacks)
            .find_map(|name| {
                let value = headers.get(name)?;
                config
                    .validator
                    .accepts(value.as_bytes())
                    .then(|| (name, RequestId::from_accepted(value)))
            });
        match incoming {
            Some((name, id)) if config.trust_incoming => Resolved {
                id,
                client_id: None,
                header: name.clone(),
            },
            incoming => Resolved {
                id: config.generator.generate(),
                client_id: incoming.map(|(_, id)| id),
                header: main.clone(),
            },
        }
    }
}

fn parse_header_name(name: &str) -> HeaderName {
    match HeaderName::from_bytes(name.as_bytes()) {
        Ok(h) => h,
        Err(_) => panic!("qh::Tracking: `{name}` is not a valid header name"),
    }
}

/// The span every tracked request runs in; `None` when nothing listens at
/// INFO, so an untraced server pays nothing for it (not even `tracing`'s
/// `log` fallback).
pub(crate) fn request_span(
    resolved: &Resolved,
    method: &http::Method,
    path: &str,
) -> Option<tracing::Span> {
    if !tracing::level_enabled!(tracing::Level::INFO) {
        return None;
    }
    let span = tracing::info_span!(
        "request",
        request_id = %resolved.id,
        method = %method,
        path = path,
        client_request_id = tracing::field::Empty,
    );
    if let Some(client) = &resolved.client_id {
        span.record("client_request_id", client.as_str());
    }
    Some(span)
}

impl<S> Layer<S> for Tracking {
    type Service = TrackingService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TrackingService {
            inner,
            tracking: self.clone(),
        }
    }
}

/// The service [`Tracking`] wraps around a router or route.
#[derive(Clone, Debug)]
pub struct TrackingService<S> {
    inner: S,
    tracking: Tracking,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for TrackingService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = TrackingFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let resolved = match req.extensions().get::<Resolved>() {
            // Nested layers: the outer one already decided.
            Some(outer) => outer.clone(),
            None => self.tracking.resolve(req.headers(), None),
        };
        let span = request_span(&resolved, req.method(), req.uri().path())
            .unwrap_or_else(tracing::Span::none);
        let echo = (resolved.header.clone(), resolved.id.to_header_value());
        let ctx = resolved.context();
        req.extensions_mut().insert(resolved);
        // The context is set while the response future is polled, which is
        // where axum's routes (and qh endpoints) do their work.
        let inner = self.inner.call(req);
        TrackingFuture {
            inner: ctx.scope(inner).instrument(span),
            echo: Some(echo),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`TrackingService`].
    pub struct TrackingFuture<F> {
        #[pin]
        inner: Instrumented<TaskLocalFuture<Context, F>>,
        echo: Option<(HeaderName, HeaderValue)>,
    }
}

impl<F, B, E> Future for TrackingFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut result = ready!(this.inner.poll(cx));
        if let (Ok(response), Some((name, value))) = (&mut result, this.echo.take()) {
            response.headers_mut().insert(name, value);
        }
        Poll::Ready(result)
    }
}

/// The request's ID as an axum extractor, for plain handlers: the ID the
/// [`Tracking`] layer or a qh endpoint resolved, else one resolved with the
/// defaults.
///
/// ```
/// use axum::{routing::get, Router};
///
/// async fn show(id: qh::RequestId) -> String {
///     format!("you are request {id}")
/// }
///
/// let app: Router = Router::new().route("/", get(show)).layer(qh::Tracking::new());
/// ```
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(request_id_of(parts))
    }
}

/// The request's ID: the one the layer resolved, the current context's, or
/// a new one resolved with the defaults (remembered in the extensions, so it
/// happens once per request).
#[must_use]
pub(crate) fn request_id_of(parts: &mut http::request::Parts) -> RequestId {
    if let Some(r) = parts.extensions.get::<Resolved>() {
        return r.id.clone();
    }
    if let Some(id) = crate::context::request_id() {
        return id;
    }
    let r = Tracking::defaults().resolve(&parts.headers, None);
    let id = r.id.clone();
    parts.extensions.insert(r);
    id
}
