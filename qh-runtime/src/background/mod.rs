//! Background work that keeps the request's context.
//!
//! - [`spawn`](crate::spawn) and [`spawn_blocking`]:
//!   new tasks carrying the request's ID, [`context`](crate::context) values
//!   and `tracing` span.
//! - [`InCurrentRequest::in_current_request`]: the same for a future polled
//!   wherever you like.
//! - [`BackgroundTasks`]: FastAPI-style jobs a handler
//!   queues to run after its response; [`layer()`] makes "after" mean "after
//!   the body has been sent".
//! - [`drain`]: on graceful shutdown, wait (bounded) for the work still
//!   running.
//!
//! # For generated code
//!
//! Nothing needs calling: [`BackgroundTasks`] is a
//! `FromRequestParts` extractor, and its jobs start when the last handle to
//! the request's job list is dropped. The handler's handle goes when the
//! handler returns; [`layer()`] keeps one inside the response body, so the
//! jobs start when the body has been written or dropped.

mod blocking;
mod drain;
mod in_request;
mod jobs;
mod layer;
mod spawn;

pub use blocking::spawn_blocking;
pub use drain::{begin_shutdown, drain, in_flight, is_shutting_down};
pub(crate) use drain::{on_drain_timeout, shutdown_begun, track, Guard, LeftBehind};
pub use in_request::{InCurrentRequest, InRequest};
pub use jobs::{BackgroundTasks, JobOutput};
pub use layer::{layer, BackgroundFuture, BackgroundLayer, BackgroundService};
pub use spawn::spawn;
