#![doc = include_str!("docs/tour.md")]
#![doc = include_str!("docs/background.md")]
#![doc = include_str!("docs/tour_integrations.md")]
#![doc = include_str!("docs/features_and_msrv.md")]
// docs.rs (`--cfg docsrs`, nightly) labels each item with the feature it
// needs; stable builds never see the attribute.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod guide {
    //! The guide: chapters longer than an item's page, each tested like
    //! the rest of the docs (every Rust block in them is a doctest).
    //!
    //! - [`security`]: what qh trusts, and the threats it answers.
    //! - [`tasks_in_production`]: what task endpoints answer, owners,
    //!   retries, idempotency keys, quotas.
    //! - [`tasks_across_instances`]: stores, Redis and its durability
    //!   settings, leases, crashes and deploys.
    //! - [`migrating_from_tower_http`]: from `SetRequestIdLayer` and
    //!   `PropagateRequestIdLayer` to one layer.
    //! - [`observability`]: traces and metrics with an OpenTelemetry
    //!   collector; logs; calls to other services.

    #[doc = include_str!("../docs/security.md")]
    pub mod security {}

    #[doc = include_str!("../docs/tasks-in-production.md")]
    pub mod tasks_in_production {}

    #[doc = include_str!("../docs/tasks-across-instances.md")]
    pub mod tasks_across_instances {}

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
