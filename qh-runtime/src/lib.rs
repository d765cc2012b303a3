//! Runtime support for [qh](https://docs.rs/qh): the request ID, the
//! context store, ID generation and validation, parameter extraction,
//! problem+json errors, the [`Tracking`] layer and context-keeping
//! [`spawn`].
//!
//! Depend on `qh`, which re-exports the public part of this next to the
//! macros.

#![warn(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly) labels each item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

// The layers, each importing only from those before it: support, id,
// trace_context, context, error, tracking; then extract, derive, endpoint,
// route_check; background, tasks; routes; the integrations (propagation,
// logs, otel, ws, grpc, openapi, client); and returns, the return kinds,
// which name what the endpoint, task, client and document layers do with
// a return type. One exception: a request's resolution (`context`) keeps
// the `Tracking` layer it came through, for its shutdown, meters and
// served document. rustfmt sorts the declarations below by name.
pub mod background;
#[cfg(feature = "client")]
pub mod client;
pub mod context;
mod derive;
mod endpoint;
mod error;
mod extract;
#[cfg(feature = "grpc")]
#[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
pub mod grpc;
pub mod id;
#[cfg(feature = "logs")]
#[cfg_attr(docsrs, doc(cfg(feature = "logs")))]
pub mod logs;
#[cfg(feature = "openapi")]
#[cfg_attr(docsrs, doc(cfg(feature = "openapi")))]
pub mod openapi;
#[cfg(feature = "opentelemetry")]
#[cfg_attr(docsrs, doc(cfg(feature = "opentelemetry")))]
pub mod otel;
pub mod propagation;
mod returns;
mod route_check;
mod routes;
mod support;
pub mod tasks;
pub mod trace_context;
pub mod tracking;
#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
pub mod ws;

pub use background::{blocking::spawn_blocking, jobs::BackgroundTasks, spawn::spawn};
pub use context::{request_id, Resolved};
pub use derive::to_header::ToHeader;
pub use error::{Error, ErrorKind, PROBLEM_JSON};
pub use extract::{FromHeader, FromRequestId};
pub use id::{IdGenerator, InvalidRequestId, RequestId, DEFAULT_HEADER};
pub use tracking::{InvalidNetwork, Tracking, Trust};

/// The request's ID as an axum extractor, for plain handlers: the ID the
/// [`Tracking`] layer resolved, else one resolved now with the defaults
/// (and remembered, so later extractors agree).
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
        Ok(derive::id_from_parts(parts, None))
    }
}

/// The OpenAPI half of an endpoint's expansion (its `Describe` impl):
/// kept with the feature `openapi`, dropped unread without it, so the
/// macro crate needs no feature of its own.
#[cfg(feature = "openapi")]
#[doc(hidden)]
#[macro_export]
macro_rules! openapi_item {
    ($($item:tt)*) => { $($item)* };
}

/// Without the feature `openapi`: nothing. There `qh::routes!` mounts the
/// endpoints, and its `; docs` (the document served beside them) is a
/// compile error naming the feature:
///
/// ```
/// #[qh::endpoint]
/// fn add(a: i64, b: i64) -> i64 { a + b }
///
/// let app: axum::Router = qh::routes![add];
/// ```
///
/// ```compile_fail
/// #[qh::endpoint]
/// fn add(a: i64, b: i64) -> i64 { a + b }
///
/// // error: `qh::routes![…; docs]` serves the OpenAPI document, which
/// // needs qh's cargo feature `openapi`
/// let app: axum::Router = qh::routes![add; docs];
/// ```
#[cfg(not(feature = "openapi"))]
#[doc(hidden)]
#[macro_export]
macro_rules! openapi_item {
    ($($item:tt)*) => {};
}

/// The typed-client half of an endpoint's expansion (its `call`): kept
/// with the feature `client`, dropped unread without it, as
/// [`openapi_item!`] is.
#[cfg(feature = "client")]
#[doc(hidden)]
#[macro_export]
macro_rules! client_item {
    ($($item:tt)*) => { $($item)* };
}

/// Without the feature `client`: nothing, so an endpoint's `call` costs
/// nothing to compile.
#[cfg(not(feature = "client"))]
#[doc(hidden)]
#[macro_export]
macro_rules! client_item {
    ($($item:tt)*) => {};
}

/// Everything generated code names, for both macros, in one table, and
/// nothing else: every entry is named by `qh-macros/src/paths.rs` or the
/// facade's `qh::routes!` (`qh-macros/tests/private_table.rs` keeps it so).
/// Not public API: no stability promise.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "client")]
    pub use crate::client::generated as client;
    pub use crate::client_item;
    pub use crate::derive::to_header::ToHeader;
    pub use crate::derive::{check_header as context_header, peer_trusted};
    pub use crate::derive::{
        id_from_headers, id_from_parts, id_header, register, request_error, Store, StoreClone,
        StoreNothing,
    };
    pub use crate::endpoint::run::{prepare, run, run_sync, BoxFuture};
    pub use crate::endpoint::run_body::{read_body, run_body};
    pub use crate::endpoint::{Endpoint, EndpointMarker};
    pub use crate::extract::{
        body_fields, path_fields, path_params, query_fields, rejection, BodyField, Fields,
        FromRequestId, UrlField, WholeBody,
    };
    pub use crate::extract::{query_struct, ExtractParam, HeaderParam};
    pub use crate::extract::{Repeat, RepeatCollection, RepeatNone, RepeatOption};
    #[cfg(feature = "openapi")]
    pub use crate::openapi::generated as openapi;
    pub use crate::openapi_item;
    pub use crate::return_kind;
    pub use crate::returns::generated as returns;
    pub use crate::returns::{ErrorReply, Kind, OkReply, Reply, TaskFailure, TaskReturn};
    pub use crate::route_check::{check_routes, field_index, Clash, Route};
    pub use crate::routes::Routes;
    pub use crate::tasks::caller::{caller_tasks, refuse_invalid_key};
    pub use crate::tasks::endpoint::blocking_outcome;
    pub use crate::tasks::parse_async_flag;
    pub use crate::tasks::replay::{submit_endpoint_task, Capture};
    pub use crate::tasks::TaskEndpoint;
    pub use crate::{context::get as context_get, Error, RequestId};
    pub use axum::body::Bytes;
    pub use axum::extract::{FromRequestParts, Request};
    pub use axum::handler::Handler;
    pub use axum::response::{IntoResponse, Response};
    pub use http::request::Parts;
    pub use http::{HeaderMap, HeaderName, Method};
    pub use serde;
    pub use std::boxed::Box;
    pub use std::future::{ready, Ready};
    pub use std::option::Option::{self, None, Some};
    pub use std::result::Result::{self, Err, Ok};
}
