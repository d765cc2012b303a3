//! Runtime support for [qh](https://docs.rs/qh): the request ID, the
//! context store, ID generation and validation, parameter extraction,
//! problem+json errors, the [`Tracking`] layer and context-keeping
//! [`spawn`].
//!
//! Depend on `qh`, which re-exports all of this next to the macros.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod background;
pub mod context;
mod endpoint;
mod error;
pub mod extract;
mod generate;
mod layer;
mod request_id;
mod spawn;
pub mod tasks;
pub mod validate;

pub use background::{spawn_blocking, BackgroundTasks};
pub use context::request_id;
pub use error::{Error, ErrorKind, PROBLEM_JSON};
pub use extract::{FromHeader, FromRequestId};
pub use generate::IdGenerator;
pub use layer::{Resolved, Tracking, TrackingFuture, TrackingService, DEFAULT_HEADER};
pub use request_id::RequestId;
pub use spawn::spawn;
pub use validate::InvalidRequestId;

pub use http;

/// What generated code names. Not public API: no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use crate::endpoint::{
        prepare, read_json_body, request_id_param, run, run_sync, Endpoint, EndpointMarker,
        Prepared, RespondAny, RespondJson, RespondResult, Responder, Routes,
    };
    pub use crate::extract::{
        body_fields, header, path_fields, query_fields, whole_body, BodyField, Fields, UrlField,
    };
    pub use axum;
    pub use axum::extract::{FromRequestParts, RawPathParams, Request};
    pub use axum::handler::Handler;
    pub use axum::response::{IntoResponse, Response};
    pub use http::{HeaderMap, HeaderName, Method};
    pub use serde;
    pub use std::boxed::Box;
    pub use std::future::{ready, Future, Ready};
    pub use std::option::Option::{self, None, Some};
    pub use std::pin::Pin;
    pub use std::result::Result::{self, Err, Ok};

    /// The boxed future of an async endpoint.
    pub type BoxFuture = Pin<Box<dyn Future<Output = Response> + Send + 'static>>;

    /// What `#[derive(TrackingContext)]` expansions call.
    pub use crate::tracking::private as tracking;
}

mod tracking;
pub use tracking::ToHeader;
