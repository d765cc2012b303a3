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
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::{body::Body, http::Request, routing::get, Router};
/// use qh::id::DEFAULT_HEADER;
/// use tower::ServiceExt;
///
/// let app: Router = Router::new()
///     .route("/", get(|| async {}))
///     .layer(qh::Tracking::new());
/// let req = Request::get("/").header(DEFAULT_HEADER, "abc-123").body(Body::empty()).unwrap();
/// let res = app.oneshot(req).await.unwrap();
/// assert_eq!(res.headers()[DEFAULT_HEADER], "abc-123");
/// # }
/// ```
pub const DEFAULT_HEADER: HeaderName = HeaderName::from_static("x-request-id");
