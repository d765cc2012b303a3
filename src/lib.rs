//! qh turns plain Rust functions into [axum](https://docs.rs/axum) endpoints, and gives every
//! request one validated tracking ID that the function, its logs, its
//! background work, its tasks and the services it calls all share.
//!
//! In axum alone you wire that yourself: tower-http's `SetRequestIdLayer`
//! and `PropagateRequestIdLayer`, a task-local you scope by hand, a
//! `tracing` span, an extractor, and care in every `tokio::spawn`; and you
//! still accept any 10 KB string a client sends as your "ID". qh does all
//! of it, with the mistakes it can see caught at compile time.
//!
//! This page is the tour: each section says what a part does, with an
//! example, and links to where its detail lives. The [guide] holds the
//! longer chapters (the security model, tasks in production, migrating from
//! tower-http, traces and metrics with an OpenTelemetry collector).
//!
//! # A first program
//!
//! ```toml
//! [dependencies]
//! qh = "0.1"
//! axum = "0.8"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! ```rust,no_run
//! use axum::http::StatusCode;
//!
//! /// POST /add with the JSON body {"a": 1, "b": 2}.
//! #[qh::endpoint]
//! async fn add(a: i64, b: i64) -> i64 {
//!     tracing::info!(a, b, "adding"); // this line carries the request's ID
//!     a + b
//! }
//!
//! /// GET /users/7: the ID is a parameter like any other.
//! #[qh::endpoint(method = "GET", path = "/users/{user_id}")]
//! fn get_user(user_id: u64, request_id: qh::RequestId) -> Result<String, qh::Error> {
//!     match user_id {
//!         1 => Ok(format!("ada (request {request_id})")),
//!         _ => Err(qh::Error::new(StatusCode::NOT_FOUND, format!("no user {user_id}"))),
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     qh::logs::json().init(); // JSON lines, each carrying `request_id`
//!     let app = qh::routes![add, get_user].layer(qh::Tracking::new());
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     axum::serve(listener, app).await
//! }
//! ```
//!
//! Every response echoes `x-request-id` (the client's, if valid, else a
//! fresh UUID); a bad request answers `application/problem+json` naming
//! the field or header, with the ID. `examples/hello.rs` is this program.
//!
//! # On an existing Router, without the macro
//!
//! The [`Tracking`] layer alone gives every route of a router (plain
//! handlers, 404s) an ID, the request's context, a span and the echo. The
//! [`RequestId`] extractor and [`request_id()`] read it:
//!
//! ```rust
//! use axum::{routing::get, Router};
//!
//! async fn hello() -> String {
//!     let id = qh::request_id().expect("inside a request");
//!     qh::spawn(async { tracing::info!("still this request") }); // keeps the ID
//!     format!("hello from {id}")
//! }
//!
//! async fn whoami(id: qh::RequestId) -> String {
//!     id.to_string()
//! }
//!
//! let app: Router = Router::new()
//!     .route("/", get(hello))
//!     .route("/whoami", get(whoami))
//!     .layer(qh::Tracking::new());
//! ```
//!
//! # Endpoints
//!
//! [`#[qh::endpoint]`](endpoint) leaves the function as written (callable
//! from your code and your unit tests) and generates a companion that
//! [`routes!`] mounts. Defaults follow Python qh: `POST /{fn_name}`, each
//! parameter a key of a JSON object body (query parameters on `GET`,
//! `HEAD`, `DELETE`); `#[header]`, `#[query]`, `#[path]`, `#[body]` and
//! `#[extract]` say otherwise. Any `T: Serialize` answers 200 JSON,
//! `Result<T, E>` answers `Err` through `E: IntoResponse`, anything
//! `IntoResponse` passes through. The [endpoint page](endpoint) has the
//! whole table, the return values, task endpoints, the equivalent
//! hand-written code and every compile-time error.
//!
//! # The tracking ID
//!
//! One ID per request, resolved once: the ID the layer already resolved;
//! else the first configured header whose value is valid (1–128 bytes of
//! `[A-Za-z0-9._~:+/=@-]`), if incoming IDs are trusted; else a new one
//! (UUID v4 by default). [`Tracking`] configures it (header names,
//! generator, trust, length, span level, access log); [`tracking`] tells the
//! whole story: the order of resolution, the request's scope lasting until
//! its body ends (streams and SSE included), the span, panics, and gRPC.
//! [`id`] holds the rule, [`context`] the request-local store the ID lives
//! in.
//!
//! # Tracking context
//!
//! [`#[derive(TrackingContext)]`](TrackingContext) turns the tracking
//! headers of a request (`X-User-ID`, `X-Tenant`…) into a struct: an
//! extractor, `from_headers`, `to_headers` for outbound calls, and
//! `current()` from the context store. Its header fields are validated and
//! forwarded only from trusted peers.
//!
//! # Errors
//!
//! Bad requests answer [`Error`]s: `application/problem+json` (RFC 9457)
//! with `type`, `title`, `status`, `detail`, the `request_id`, and the
//! offending `header`, `field`, `path` or `query`. Return one of your own
//! with `Err(qh::Error::new(status, detail))`; [`error`] has its parts.
//!
//! # Logs
//!
//! [`logs`] (feature `logs`, on by default): `qh::logs::json().init()`
//! writes JSON lines on which every event inside a request carries
//! `request_id`, `trace_id` and `span_id`, whatever the `RUST_LOG` filter,
//! because they come from qh's context store rather than from the span.
//! Its pieces compose with a subscriber of your own.
//!
//! # Calls to other services
//!
//! [`propagation::headers()`] is what an outbound call should carry: the ID
//! under the header it came under, a W3C `traceparent` and `tracestate`,
//! and the request's `TrackingContext` headers.
//! [`propagation::OutboundCall`] makes each call a client span of its own;
//! with the feature `reqwest`, a reqwest-middleware middleware does it for
//! every call. [`trace_context`] is the W3C Trace Context the request
//! continues or starts.
//!
#![doc = include_str!("docs/background.md")]
//!
//! # Task endpoints
//!
//! `#[qh::endpoint(task)]` answers `202 Accepted` with a `Location` at once
//! and runs the function in the background, with the submitting request's
//! context; `task = "optional"` does so only when the client asks
//! (`?async=true`). [`routes!`] mounts Python qh's `/tasks` routes beside
//! them. [`tasks`] is the runtime (the [`tasks::Runner`], its stores, the
//! routes); the guide's [tasks in production](guide::tasks_in_production)
//! covers owners, retries, idempotency keys, quotas, Redis, leases and
//! deploys.
//!
//! # OpenTelemetry and metrics
//!
//! With the feature `opentelemetry`, the request span is also the
//! OpenTelemetry server span, exported over OTLP/HTTP and configured from
//! the standard `OTEL_*` variables by one call, [`otel::init()`]. With
//! `metrics`, [`Tracking::metrics`] records the semantic conventions'
//! `http.server.request.duration` and friends; with `prometheus`, they
//! are a scrape endpoint. The [`otel`] module has the API; the guide's
//! [collector chapter](guide::observability) runs it end to end.
//!
//! # Typed clients
//!
//! With the feature `client`, every endpoint's companion also has `call`:
//! the function called on another service through a [`client::Client`],
//! with its own parameters and return type, carrying the request's ID,
//! trace and context headers (`add::call(&client, 1, 2).await`). Errors
//! are typed: the callee's problem+json with its request ID, apart from
//! transport and decoding errors. `#[qh::endpoint(rest)]` infers method and
//! path from the function's name, as Python qh's conventions do. See
//! [`client`] and the [endpoint page](endpoint).
//!
//! # WebSocket and gRPC
//!
//! [`ws::WebSocketUpgrade`] (feature `ws`) is axum's extractor whose
//! session keeps the upgrading request's context. [`Tracking`] is a layer
//! for tonic services too (no feature needed: the ID in `x-request-id`
//! metadata, the span named for the method); [`grpc::Propagate`] (feature
//! `grpc`) carries the ID and trace on outbound tonic calls.
//!
//! # OpenAPI
//!
//! With the feature `openapi`, every endpoint describes itself from its
//! signature, and `qh::routes![add, get_user; docs]` serves
//! `GET /openapi.json` (OpenAPI 3.1) and a Swagger UI page at `GET /docs`,
//! its assets inside the binary. See [`openapi`].
//!
//! # Security
//!
//! What a client sends is hostile until it passes a rule: IDs are
//! validated, trust can be limited to your own networks ([`Trust`]), an
//! untrusted peer's trace is not continued, task records are private to
//! their owner, and panics answer without their message. The
//! [security chapter](guide::security) is the whole model.
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `logs` | on | [`logs`]: JSON (or text) log lines carrying `request_id`, `trace_id`, `span_id` whatever the filter (brings `tracing-subscriber`) |
//! | `reqwest` | | `propagation::{Propagate, PropagateExt}` for reqwest 0.13 / reqwest-middleware 0.5 (depend on them yourself) |
//! | `reqwest-rustls` | | `reqwest` plus rustls TLS for those clients |
//! | `client` | | [`client`]: every endpoint's typed `call`, on reqwest-middleware (implies `reqwest`) |
//! | `opentelemetry` | | [`otel`]: the request span exported as the OpenTelemetry server span over OTLP/HTTP, set up from `OTEL_*` |
//! | `metrics` | | `otel::Metrics`: request, client and task metrics (the semantic conventions' `http.server.request.duration`, …) over OTLP/HTTP from the same `OTEL_*` |
//! | `prometheus` | | `otel::Prometheus`: those metrics as a Prometheus scrape endpoint |
//! | `redis` | | `tasks::RedisTaskStore`: task records shared by many instances |
//! | `grpc` | | [`grpc::Propagate`]: the ID and trace on outbound tonic calls (tonic 0.14; serving gRPC under the layer needs no feature) |
//! | `ws` | | [`ws::WebSocketUpgrade`]: WebSocket sessions in the upgrading request's context (axum's `ws`) |
//! | `openapi` | | [`openapi`]: every endpoint's operation from its signature, `document!`, and `qh::routes![…; docs]` serving `/openapi.json` and `/docs` (utoipa 6, utoipa-swagger-ui with vendored assets) |
//!
//! On docs.rs every feature is on, and each item that needs one says so.
//!
//! # Examples
//!
//! The repository's `examples/` directory is a progression, from a
//! 30-line hello to two services calling each other; its `README.md` says
//! what each shows and what it prints.
//!
//! # Minimum supported Rust version
//!
//! Rust 1.85; the `openapi` feature needs 1.88 (utoipa 6 does).
//!
//! Examples use `axum::http` for HTTP types (`StatusCode`, `HeaderMap`…):
//! qh does not re-export the `http` crate.

// docs.rs (`--cfg docsrs`, nightly) labels each item with the feature it
// needs; stable builds never see the attribute.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod guide {
    //! The guide: chapters longer than an item's page, each tested like
    //! the rest of the docs (every Rust block in them is a doctest).
    //!
    //! - [`security`]: what qh trusts, and the threats it answers.
    //! - [`tasks_in_production`]: owners, retries, idempotency keys,
    //!   quotas, Redis, leases and deploys.
    //! - [`migrating_from_tower_http`]: from `SetRequestIdLayer` and
    //!   `PropagateRequestIdLayer` to one layer.
    //! - [`observability`]: traces and metrics with an OpenTelemetry
    //!   collector; logs; calls to other services.

    #[doc = include_str!("../docs/security.md")]
    pub mod security {}

    #[doc = include_str!("../docs/tasks-in-production.md")]
    pub mod tasks_in_production {}

    #[doc = include_str!("../docs/migrating-from-tower-http.md")]
    pub mod migrating_from_tower_http {}

    #[doc = include_str!("../docs/observability.md")]
    pub mod observability {}
}

#[doc = include_str!("docs/endpoint.md")]
#[doc = include_str!("docs/endpoints_at_a_glance.md")]
pub use qh_macros::endpoint;
#[doc = include_str!("docs/tracking_context.md")]
pub use qh_macros::TrackingContext;
pub use qh_runtime::{
    request_id, spawn, spawn_blocking, BackgroundTasks, Error, IdGenerator, RequestId, Tracking,
    Trust,
};

pub use qh_runtime::{background, propagation, tasks, trace_context};

pub mod context {
    //! The request-local context store: the current request's [`Context`]
    //! (its ID, the header it came under, what code stored in it), readable
    //! anywhere below the handler without passing it around, and carried into
    //! [`spawn`](crate::spawn)ed work. [`request_id()`](crate::request_id()) is
    //! the shortcut for the ID.

    #[doc(inline)]
    pub use qh_runtime::context::{client_request_id, get, insert, is_set, Context, Scoped};
}

/// The [`Tracking`](crate::Tracking) layer's parts: the service and future
/// it makes, the [`Resolved`](crate::tracking::Resolved) ID it stores in each request's extensions,
/// and the error of [`Trust::peers`](crate::Trust::peers); and below, how
/// the layer resolves, scopes and records each request.
///
#[doc = include_str!("docs/tracking.md")]
pub mod tracking {
    #[doc(inline)]
    pub use qh_runtime::tracking::{InvalidNetwork, TrackingFuture, TrackingService};
    #[doc(inline)]
    pub use qh_runtime::Resolved;
}

pub mod id {
    //! The rule incoming request IDs must pass ([`validate()`]), its limits,
    //! and the header read by default.

    #[doc(inline)]
    pub use qh_runtime::id::{
        validate, InvalidRequestId, ALLOWED_PUNCTUATION, DEFAULT_HEADER, DEFAULT_MAX_LEN, MAX_LEN,
    };
}

pub mod extract {
    //! The traits your own types implement to be read from a header
    //! ([`FromHeader`]), written to one ([`ToHeader`]) or built from the
    //! request's ID ([`FromRequestId`]), for `#[header]` and `request_id`
    //! parameters and `#[derive(TrackingContext)]` fields.

    #[doc(inline)]
    pub use qh_runtime::{FromHeader, FromRequestId, ToHeader};
}

pub mod error {
    //! What an [`Error`](crate::Error) is made of: its [`ErrorKind`], and the
    //! [`PROBLEM_JSON`] content type it answers with.

    #[doc(inline)]
    pub use qh_runtime::{ErrorKind, PROBLEM_JSON};
}

#[cfg(feature = "logs")]
#[cfg_attr(docsrs, doc(cfg(feature = "logs")))]
pub use qh_runtime::logs;

#[cfg(feature = "opentelemetry")]
#[cfg_attr(docsrs, doc(cfg(feature = "opentelemetry")))]
pub use qh_runtime::otel;

#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
pub use qh_runtime::ws;

#[cfg(feature = "grpc")]
#[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
pub use qh_runtime::grpc;

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use qh_runtime::client;

#[doc(hidden)]
pub use qh_runtime::__private;

#[cfg(feature = "openapi")]
#[cfg_attr(docsrs, doc(cfg(feature = "openapi")))]
#[doc = include_str!("docs/openapi.md")]
#[doc = include_str!("docs/openapi_operations.md")]
pub mod openapi {
    #[doc(inline)]
    pub use qh_runtime::openapi::{id_pattern, Describe, Document, Operation};
    // utoipa itself: its own pages, linked rather than copied here.
    #[doc(no_inline)]
    pub use qh_runtime::openapi::utoipa;

    #[doc(inline)]
    pub use crate::__qh_openapi_document as document;
}

/// The OpenAPI document of endpoints: `qh::openapi::document![add, hello]`
/// is a [`qh::openapi::Document`](crate::openapi::Document) with each
/// endpoint's operation (and the `/tasks` routes' when one is a task
/// endpoint), titled with the calling crate's name and version.
///
/// ```
/// #[qh::endpoint]
/// /// Adds two numbers.
/// fn add(a: i64, b: i64) -> i64 { a + b }
///
/// let json = qh::openapi::document![add].title("calc").to_json();
/// assert!(json.contains("\"operationId\": \"add\""));
/// ```
#[cfg(feature = "openapi")]
#[doc(hidden)]
#[macro_export]
macro_rules! __qh_openapi_document {
    ($($endpoint:path),* $(,)?) => {
        $crate::openapi::Document::new(
            ::core::env!("CARGO_PKG_NAME"),
            ::core::env!("CARGO_PKG_VERSION"),
        )
        $(.add::<$endpoint>())*
    };
}

/// `qh::routes![…; docs]`'s document, served beside the routes.
#[cfg(feature = "openapi")]
#[doc(hidden)]
#[macro_export]
macro_rules! __qh_routes_docs {
    ($router:expr; $($endpoint:path),*) => {
        $crate::__private::openapi::with_docs($router, $crate::openapi::document![$($endpoint),*])
    };
    ($router:expr; $($endpoint:path),*; $edit:expr) => {
        $crate::__private::openapi::with_docs(
            $router,
            $crate::__private::openapi::edited($crate::openapi::document![$($endpoint),*], $edit),
        )
    };
}

/// Without the feature `openapi`, `; docs` says what it needs. (Defined
/// here, under the facade's own `cfg`: a `cfg` in `routes!`'s expansion
/// would be the calling crate's.)
#[cfg(not(feature = "openapi"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __qh_routes_docs {
    ($($tokens:tt)*) => {
        ::core::compile_error!(
            "`qh::routes![…; docs]` serves the OpenAPI document, which needs qh's cargo feature `openapi`: add `features = [\"openapi\"]` to the `qh` dependency"
        )
    };
}

/// Mounts `#[qh::endpoint]` functions into an `axum::Router`.
///
/// Takes paths to endpoint functions (`add`, `api::orders::create`) and
/// returns a `Router<S>`; endpoints sharing a path have their methods merged,
/// and other methods on that path answer 405 with an `Allow` header.
///
/// ```
/// #[qh::endpoint]
/// fn add(a: i64, b: i64) -> i64 { a + b }
///
/// mod api {
///     #[qh::endpoint(method = "GET", path = "/hello/{name}")]
///     pub fn hello(name: String) -> String { format!("hello, {name}") }
/// }
///
/// let app: axum::Router = qh::routes![add, api::hello];
/// ```
///
/// When a listed endpoint is a task endpoint (`#[qh::endpoint(task)]`), the
/// [`/tasks` routes](crate::tasks::router) are mounted too, once; routers
/// that both bring them merge without panicking.
///
/// `; docs` after the endpoints serves their OpenAPI document too (the
/// cargo feature `openapi`; without it, `; docs` is a compile error naming
/// the feature): `GET /openapi.json`, and a Swagger UI page at
/// `GET /docs`, its assets inside the binary. The document describes the
/// tracking header as the [`Tracking`] layer a request came through
/// configures it, so the configuration is given once, to the layer:
///
/// ```
/// #[qh::endpoint]
/// /// Adds two numbers.
/// fn add(a: i64, b: i64) -> i64 { a + b }
///
/// let app: axum::Router = qh::routes![add; docs]
///     .layer(qh::Tracking::new().header("X-Correlation-ID"));
/// ```
///
/// `; docs = |doc| …` serves the document as the closure leaves it: merged
/// with your own `utoipa::OpenApi`
/// ([`Document::merge`](crate::openapi::Document::merge)), retitled:
///
/// ```
/// # #[qh::endpoint] fn add(a: i64, b: i64) -> i64 { a + b }
/// let app: axum::Router = qh::routes![add; docs = |doc| doc.title("calc").version("2.1")];
/// ```
///
/// [`qh::openapi::document!`](crate::openapi::document) makes the same
/// document as a value, to write out.
///
/// Two endpoints serving the same method and path, or the same path with
/// differently named placeholders (`/users/{id}`, `/users/{user_id}`: axum
/// refuses the second), are a compile error naming both:
///
/// ```compile_fail
/// mod users { #[qh::endpoint] pub fn list() {} }
/// mod orders { #[qh::endpoint] pub fn list() {} }
///
/// // both are `POST /list`
/// let app: axum::Router = qh::routes![users::list, orders::list];
/// ```
#[macro_export]
macro_rules! routes {
    // One endpoint clashes with nothing: no check, and a path naming a
    // plain function is reported once.
    ($endpoint:path $(,)?) => {{
        let _ = $endpoint;
        $crate::__private::Routes::new().add::<$endpoint>().into_router()
    }};
    ($($endpoint:path),* $(,)?) => {{
        // Each path names a function: this reports a private one as a
        // private function, before its companion type is used.
        $( let _ = $endpoint; )*
        // Every clash, found by one evaluation over all the routes.
        const _: () = {
            const ROUTES: &[$crate::__private::Route] = &[$(
                $crate::__private::Route::of::<$endpoint>(::core::stringify!($endpoint)),
            )*];
            const CLASH: $crate::__private::Clash =
                $crate::__private::check_routes::<{ ROUTES.len() }>(ROUTES);
            if let ::core::option::Option::Some(message) = CLASH.message() {
                ::core::panic!("{}", message);
            }
        };
        $crate::__private::Routes::new()
            $(.add::<$endpoint>())*
            .into_router()
    }};
    // The routes, and their document beside them (last: the arms above
    // leave it the inputs that end in `; docs`).
    ($($endpoint:path),* $(,)? ; docs) => {
        $crate::__qh_routes_docs!($crate::routes![$($endpoint),*]; $($endpoint),*)
    };
    // The same, with the document edited by a closure first.
    ($($endpoint:path),* $(,)? ; docs = $edit:expr) => {
        $crate::__qh_routes_docs!($crate::routes![$($endpoint),*]; $($endpoint),*; $edit)
    };
}
