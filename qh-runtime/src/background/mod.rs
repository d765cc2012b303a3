//! Background work that keeps the request's context, and the app's
//! graceful shutdown.
//!
//! - [`spawn`](crate::spawn) and [`spawn_blocking`](crate::spawn_blocking):
//!   new tasks carrying the request's ID, [`context`](crate::context)
//!   values and `tracing` span.
//! - [`InCurrentRequest::in_current_request`]: the same for a future polled
//!   wherever you like.
//! - [`BackgroundTasks`](crate::BackgroundTasks): FastAPI-style jobs a
//!   handler queues to run after its response (when the request's scope
//!   ends: the end of its response body under the
//!   [`Tracking`](crate::Tracking) layer or in a qh endpoint).
//! - [`Shutdown`]: the app's handle on its graceful shutdown; requests
//!   under a layer with [`Tracking::shutdown`](crate::Tracking::shutdown)
//!   count their background work toward it, and its
//!   [`drain`](Shutdown::drain) waits (bounded) for that work.
//!
//! # For generated code
//!
//! Nothing needs calling: [`BackgroundTasks`](crate::BackgroundTasks) is a
//! `FromRequestParts` extractor. Inside a request's scope the scope keeps
//! the request's job list, and the jobs start when the scope ends; without
//! one, they start when the last handle to the list is dropped (the
//! handler's goes when the handler returns).

// `spawn`, `spawn_blocking` and `BackgroundTasks` are exported once, at the
// crate root (what a first program uses).
pub(crate) mod blocking;
mod in_request;
pub(crate) mod jobs;
pub(crate) mod spawn;

#[doc(inline)]
pub use crate::context::shutdown::Shutdown;
pub use in_request::{InCurrentRequest, InRequest};
pub use jobs::JobOutput;
