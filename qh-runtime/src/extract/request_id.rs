//! `request_id` parameters: [`FromRequestId`].

use std::sync::Arc;

use crate::id::RequestId;

/// A type a `request_id` parameter can be.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// /// GET /whoami: the request's ID, as the type the function wants.
/// #[qh::endpoint(method = "GET")]
/// fn whoami(request_id: String) -> String {
///     request_id
/// }
///
/// /// GET /audit: an `Arc<str>` to share with the tasks it starts.
/// #[qh::endpoint(method = "GET")]
/// fn audit(request_id: Arc<str>) -> usize {
///     request_id.len()
/// }
///
/// let app: axum::Router = qh::routes![whoami, audit].layer(qh::Tracking::new());
/// ```
#[diagnostic::on_unimplemented(
    message = "a `request_id` parameter cannot be of type `{Self}`",
    label = "unsupported `request_id` type",
    note = "`request_id` can be `qh::RequestId`, `String`, `Box<str>`, `Arc<str>`, or `Option` of one of them",
    note = "to read a header as another type, rename the parameter and mark it `#[header(\"…\")]`"
)]
pub trait FromRequestId: Sized {
    /// Converts the request's ID.
    fn from_request_id(id: &RequestId) -> Self;
}

impl FromRequestId for RequestId {
    #[inline]
    fn from_request_id(id: &RequestId) -> Self {
        id.clone()
    }
}

impl FromRequestId for String {
    fn from_request_id(id: &RequestId) -> Self {
        id.as_str().to_owned()
    }
}

impl FromRequestId for Box<str> {
    fn from_request_id(id: &RequestId) -> Self {
        id.as_str().into()
    }
}

impl FromRequestId for Arc<str> {
    fn from_request_id(id: &RequestId) -> Self {
        id.as_str().into()
    }
}

impl<T: FromRequestId> FromRequestId for Option<T> {
    fn from_request_id(id: &RequestId) -> Self {
        Some(T::from_request_id(id))
    }
}
