//! The `Tracking` family: [`Tracking`] (the app-wide configuration of
//! request IDs, and a tower layer), [`Trust`], the service and future the
//! layer makes ([`TrackingService`], [`TrackingFuture`]); inside, the one
//! resolution (`resolve`), the request span (`span`) and the request's
//! scope (`scope`, `body`), shared by the layer and by endpoints.

pub(crate) mod body;
mod config;
pub(crate) mod future;
pub(crate) mod grpc;
mod network;
pub(crate) mod resolve;
pub(crate) mod scope;
pub(crate) mod semconv;
mod service;
pub(crate) mod span;
pub(crate) mod trust;

use std::sync::Arc;

use crate::context::shutdown::Shutdown;
use crate::id::validate::Rule;
use crate::id::IdGenerator;
use crate::id::DEFAULT_HEADER;
use span::SpanConfig;

use config::{parse_header_name, Config};
pub use network::InvalidNetwork;
pub use service::{TrackingFuture, TrackingService};
pub use trust::Trust;

/// How request IDs are resolved, and a tower [`Layer`](https://docs.rs/tower/0.5/tower/trait.Layer.html)
/// applying it to a whole router.
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
/// With the layer, every request (404s, 405s and plain axum handlers
/// included) gets an ID, runs inside its context (the inner service's `call`
/// too, so inner middleware such as tower-http's `TraceLayer` sees it), is
/// wrapped in one `request` tracing span, is answered with the ID echoed, and
/// a panic anywhere below answers 500 `application/problem+json` with the ID.
/// The resolution is stored in the request's extensions as a
/// [`Resolved`](crate::Resolved); qh endpoints, extractors and nested
/// `Tracking` layers below reuse it. Without the layer, endpoints resolve IDs
/// with [`Tracking::new`]'s defaults.
#[derive(Clone, Debug)]
pub struct Tracking {
    config: Arc<Config>,
}

impl Default for Tracking {
    fn default() -> Self {
        Self::new()
    }
}

impl Tracking {
    /// The defaults: header `X-Request-ID`, incoming IDs trusted when valid
    /// (1–128 bytes of `[A-Za-z0-9._~:+/=@-]`), new IDs UUID v4.
    ///
    /// # Examples
    ///
    /// ```
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/", axum::routing::get(|| async { "ok" }))
    ///     .layer(qh::Tracking::new());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            config: Arc::new(Config {
                header: DEFAULT_HEADER,
                fallbacks: Vec::new(),
                generator: IdGenerator::UuidV4,
                trust: Trust::everyone(),
                trace_trust: None,
                rule: Rule::default(),
                id_from_traceparent: false,
                span: SpanConfig::default(),
                shutdown: None,
                meters: None,
            }),
        }
    }

    /// The header the ID is read from and echoed under (default
    /// `X-Request-ID`; case-insensitive).
    ///
    /// # Panics
    ///
    /// When `name` is not a valid header name (this is configuration, not
    /// request input, like axum's own route checks).
    ///
    /// # Examples
    ///
    /// ```
    /// // Read `X-Correlation-ID`, and answer under it.
    /// let tracking = qh::Tracking::new().header("X-Correlation-ID");
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// // Moving from X-Correlation-ID to X-Request-ID: read both.
    /// let tracking = qh::Tracking::new()
    ///     .header("X-Request-ID")
    ///     .fallback_header("X-Correlation-ID");
    /// ```
    #[must_use]
    pub fn fallback_header(mut self, name: impl AsRef<str>) -> Self {
        let name = parse_header_name(name.as_ref());
        self.config_mut().fallbacks.push(name);
        self
    }

    /// How new IDs are made (default [`IdGenerator::UuidV4`]). A custom
    /// generator that panics answers the request 500 (under a UUID v4).
    ///
    /// # Examples
    ///
    /// ```
    /// use qh::{IdGenerator, RequestId, Tracking};
    ///
    /// let time_ordered = Tracking::new().generator(IdGenerator::UuidV7);
    /// let custom = Tracking::new().generator(IdGenerator::custom(|| RequestId::from_static("fixed")));
    /// ```
    #[must_use]
    pub fn generator(mut self, generator: IdGenerator) -> Self {
        self.config_mut().generator = generator;
        self
    }

    /// Whose valid incoming IDs are used (default: everyone's): `true`,
    /// `false`, or a [`Trust`] such as [`Trust::peers`]. A request that is not
    /// trusted gets a new ID; its valid client value is kept beside it
    /// ([`context::client_request_id`](crate::context::client_request_id),
    /// and the span's `client_request_id` field) but never used as the ID
    /// nor echoed under its header. The same answer decides whether its
    /// W3C trace is continued, unless [`trust_traces`](Self::trust_traces)
    /// says otherwise.
    ///
    /// ```
    /// use qh::{Tracking, Trust};
    ///
    /// let edge = Tracking::new().trust_incoming(false);
    /// let internal = Tracking::new().trust_incoming(Trust::peers(["10.0.0.0/8"])?);
    /// # Ok::<(), qh::tracking::InvalidNetwork>(())
    /// ```
    #[must_use]
    pub fn trust_incoming(mut self, trust: impl Into<Trust>) -> Self {
        self.config_mut().trust = trust.into();
        self
    }

    /// Whose incoming W3C trace is continued (default: the peers whose IDs
    /// are used, [`trust_incoming`](Self::trust_incoming)): `true`, `false`
    /// or a [`Trust`].
    ///
    /// A trusted peer's valid `traceparent` is continued: the request span
    /// is its child, and its `tracestate` goes on to the services this one
    /// calls. Anyone else's starts a new trace (a new trace ID, qh's own
    /// sampling decision): with OpenTelemetry export, the request span is a
    /// new root with a *link* to the incoming span context, so the caller's
    /// trace can still be found; its `tracestate` (and any `baggage`) is
    /// not forwarded. So a client on the internet cannot choose the trace
    /// ID your logs and spans are filed under, merge its requests into
    /// another trace, or hide them from export with an unsampled flag.
    ///
    /// Set apart from IDs when the two differ: a CDN whose traces you keep
    /// while replacing the request IDs it sends, say.
    ///
    /// ```
    /// use qh::{Tracking, Trust};
    ///
    /// // IDs from nobody; traces from the CDN's network.
    /// let edge = Tracking::new()
    ///     .trust_incoming(false)
    ///     .trust_traces(Trust::peers(["203.0.113.0/24"])?);
    /// # Ok::<(), qh::tracking::InvalidNetwork>(())
    /// ```
    #[must_use]
    pub fn trust_traces(mut self, trust: impl Into<Trust>) -> Self {
        self.config_mut().trace_trust = Some(trust.into());
        self
    }

    /// The longest incoming ID accepted, in bytes (default 128, at most
    /// [`id::MAX_LEN`](crate::id::MAX_LEN)). Applies with the
    /// default alphabet and with a custom [`validator`](Self::validator).
    ///
    /// # Examples
    ///
    /// ```
    /// let tracking = qh::Tracking::new().max_len(64);
    /// ```
    #[must_use]
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.config_mut().rule.set_max_len(max_len);
        self
    }

    /// A custom rule for incoming IDs, replacing the default alphabet; the
    /// length cap ([`max_len`](Self::max_len)) still applies, and only
    /// visible ASCII ever reaches the rule. A rule that panics answers the
    /// request 500.
    ///
    /// # Examples
    ///
    /// ```
    /// // Only IDs our own gateway makes: `gw-` and hex digits.
    /// let tracking = qh::Tracking::new().validator(|id| {
    ///     id.strip_prefix("gw-")
    ///         .is_some_and(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
    /// });
    /// ```
    #[must_use]
    pub fn validator(mut self, rule: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.config_mut().rule.set_custom(Arc::new(rule));
        self
    }

    /// When no request-ID header holds a valid ID, use the trace ID of a
    /// valid incoming W3C `traceparent` (32 lowercase hex digits) as the
    /// request ID, so logs and traces tell one story (default `false`).
    /// Only when incoming IDs are trusted.
    ///
    /// # Examples
    ///
    /// ```
    /// // A request with a valid `traceparent` and no ID gets the trace ID as its ID.
    /// let tracking = qh::Tracking::new().id_from_traceparent(true);
    /// ```
    #[must_use]
    pub fn id_from_traceparent(mut self, enabled: bool) -> Self {
        self.config_mut().id_from_traceparent = enabled;
        self
    }

    /// The level of the per-request `request` span (default `INFO`): with
    /// `DEBUG`, a server logging at `info` skips the span (and its cost)
    /// while `qh::logs` lines keep the request ID.
    ///
    /// # Examples
    ///
    /// ```
    /// // A server logging at `info` skips the request span; log lines keep the ID.
    /// let tracking = qh::Tracking::new().span_level(tracing::Level::DEBUG);
    /// ```
    #[must_use]
    pub fn span_level(mut self, level: tracing::Level) -> Self {
        self.config_mut().span.level = level;
        self
    }

    /// One `INFO` event per request when its response body has been sent,
    /// or dropped before its end (target `qh::access`): `request_id`,
    /// `method`, `route`, `status`, `latency_ms`, and `outcome` (`aborted`,
    /// `failed`) when the body did not end normally. It is a root event
    /// carrying these fields itself, so formatters do not repeat the request
    /// span's beside them. Off by default.
    ///
    /// # Examples
    ///
    /// ```
    /// let tracking = qh::Tracking::new().access_log(true);
    /// ```
    #[must_use]
    pub fn access_log(mut self, enabled: bool) -> Self {
        self.config_mut().span.access_log = enabled;
        self
    }

    /// The app's [`Shutdown`] the requests
    /// under this layer belong to: their [`spawn`](crate::spawn),
    /// [`spawn_blocking`](crate::spawn_blocking) and
    /// [`BackgroundTasks`](crate::BackgroundTasks) work and their task
    /// submissions count toward it (its [`drain`](crate::background::Shutdown::drain)
    /// waits for them), and their task long-polls end when it
    /// [begins](crate::background::Shutdown::begin). Without it (the
    /// default) nothing is counted and nothing ends early.
    ///
    /// ```
    /// use axum::{routing::get, Router};
    ///
    /// let shutdown = qh::background::Shutdown::new();
    /// let app: Router = Router::new()
    ///     .route("/", get(|| async { "ok" }))
    ///     .layer(qh::Tracking::new().shutdown(&shutdown));
    /// ```
    #[must_use]
    pub fn shutdown(mut self, shutdown: &Shutdown) -> Self {
        self.config_mut().shutdown = Some(shutdown.clone());
        self
    }

    // `Tracking::metrics` (feature `metrics`) is defined in
    // `otel::metrics`, beside `Metrics`, so that tracking does not import
    // otel.
}
