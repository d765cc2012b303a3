//! The headers extracted `TrackingContext`s register for the current
//! request's outbound calls, kept in its context, and whether the request's
//! peer is trusted to have them forwarded. (`propagation` reads them when
//! it builds an outbound call's headers; the derive's extractors write
//! them.)

use std::any::TypeId;
use std::sync::Arc;

use http::HeaderMap;

/// The `TrackingContext` headers registered for this request, by type.
#[derive(Clone, Default)]
struct ContextHeaders(Arc<Vec<(TypeId, HeaderMap)>>);

/// Adds `headers` to what [`headers()`](crate::propagation::headers) returns for the rest of the current
/// request, as the headers of the `TrackingContext` type `T` (registering
/// `T` again replaces them). Returns `false` outside a request.
///
/// This is what `#[derive(TrackingContext)]` extractors call; a hand-written
/// extractor can call it too.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::context::Context;
/// use axum::http::HeaderMap;
/// use qh::RequestId;
///
/// struct Tenant;
///
/// let out = Context::new(RequestId::from_static("r-1")).scope(async {
///     let mut h = HeaderMap::new();
///     h.insert("x-tenant", "acme".parse().unwrap());
///     qh::propagation::register::<Tenant>(h);
///     qh::propagation::headers()
/// }).await;
/// assert_eq!(out["x-tenant"], "acme");
/// assert_eq!(out["x-request-id"], "r-1");
/// # }
/// ```
pub fn register<T: 'static>(headers: HeaderMap) -> bool {
    if !super::is_set() {
        return false;
    }
    let mut registered = super::get::<ContextHeaders>().unwrap_or_default();
    let entries = Arc::make_mut(&mut registered.0);
    let key = TypeId::of::<T>();
    match entries.iter_mut().find(|(t, _)| *t == key) {
        Some(entry) => entry.1 = headers,
        None => entries.push((key, headers)),
    }
    super::insert(registered)
}

/// Calls `f` with each registered header set, in registration order.
pub(crate) fn for_each(mut f: impl FnMut(&HeaderMap)) {
    if let Some(registered) = super::get::<ContextHeaders>() {
        registered.0.iter().for_each(|(_, headers)| f(headers));
    }
}

/// Whether what the current request's peer sent may go out on outbound
/// calls: the request's trust decision ([`Resolved`](super::Resolved), the
/// layer's `Trust`). Outside a request there is no peer: what is forwarded
/// was made by the app (or read by it with the defaults, which trust
/// everyone).
pub(crate) fn peer_trusted() -> bool {
    super::with_current(|c| c.resolved.trusted()).unwrap_or(true)
}
