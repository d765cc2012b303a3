//! The ID itself: [`RequestId`], the rule incoming IDs must pass
//! ([`validate()`]), and how new ones are made ([`IdGenerator`]). Pure
//! values: nothing here reads a request or the context store.

pub(crate) mod generate;
pub(crate) mod request_id;
pub(crate) mod validate;

use http::HeaderName;

pub use generate::IdGenerator;
pub use request_id::RequestId;
pub use validate::{validate, InvalidRequestId, ALLOWED_PUNCTUATION, DEFAULT_MAX_LEN, MAX_LEN};

/// The header read and echoed by default: `x-request-id`.
pub const DEFAULT_HEADER: HeaderName = HeaderName::from_static("x-request-id");
