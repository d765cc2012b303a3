//! What `#[derive(TrackingContext)]` expansions call, as
//! `::qh::__private::…`. Every ID comes from the one resolution
//! (`crate::tracking::resolve`); the derive never decides on its own, nor
//! on the trust of the peer whose headers it forwards.
//!
//! A `#[header]` field's value is checked like an incoming ID before it is
//! read ([`check_header`]): 1 to [`DEFAULT_HEADER_MAX_LEN`] bytes (or the
//! field's `max_len`) of visible ASCII. On the way out (`to_headers`, and
//! so `qh::propagation::headers()`), a field goes only when the request's
//! peer is trusted ([`peer_trusted`]), unless it is `forward_untrusted`.

pub(crate) mod to_header;

use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::context;
use crate::id::RequestId;
use crate::tracking::resolve::{self, Found};

/// The request's ID for the derive's extractor: the one already resolved for
/// this request, else resolved now with the defaults (reading `header` first
/// when the struct names one) and remembered, so later extractors agree.
pub fn id_from_parts(parts: &mut Parts, header: Option<&HeaderName>) -> RequestId {
    match resolve::for_request(parts, header) {
        Found::Existing(resolved) => resolved.id().clone(),
        Found::Fresh(fresh) => {
            let id = fresh.resolved.id().clone();
            parts.extensions.insert(fresh.resolved);
            id
        }
    }
}

/// The longest value a `TrackingContext` header field accepts unless the
/// field says otherwise (`#[header("X-Session", max_len = 512)]`): the
/// default bound of incoming IDs, 128.
pub const DEFAULT_HEADER_MAX_LEN: usize = 128;

/// Checks the value of a `TrackingContext` header field before it is read:
/// 1 to `max_len` (default 128) bytes, each visible
/// ASCII (`!` to `~`), as incoming IDs are bounded; an absent header is
/// left to the field's type (absent `Option`, or missing).
///
/// # Errors
///
/// 400 naming the header (never quoting the value) for a value out of
/// those bounds.
pub fn check_header(
    headers: &HeaderMap,
    name: &HeaderName,
    max_len: Option<usize>,
) -> Result<(), crate::error::Error> {
    let max_len = max_len.unwrap_or(DEFAULT_HEADER_MAX_LEN);
    for value in headers.get_all(name) {
        let bytes = value.as_bytes();
        if bytes.is_empty() || bytes.len() > max_len || !bytes.iter().all(u8::is_ascii_graphic) {
            return Err(crate::error::Error::invalid_header(
                name,
                &format!("expected 1 to {max_len} visible ASCII characters"),
            ));
        }
    }
    Ok(())
}

/// Whether the current request's peer is trusted, so that the headers it
/// sent may go out on outbound calls (`to_headers`); `true` outside a
/// request (the values are the app's own, or read with the defaults).
#[must_use]
pub fn peer_trusted() -> bool {
    context::outbound::peer_trusted()
}

/// Ties an extractor's error to its request: the resolution
/// [`id_from_parts`] remembered names the ID and the echo header.
pub fn request_error(error: crate::error::Error, parts: &Parts) -> crate::error::Error {
    match parts.extensions.get::<crate::context::Resolved>() {
        Some(resolved) => error.with_resolved(resolved),
        None => error,
    }
}

/// The ID for `from_headers`: inside a request, that request's (its one
/// resolution, whatever its configuration and trust decided); outside one (a
/// message consumer, a test), the headers resolved with the defaults.
pub fn id_from_headers(headers: &HeaderMap, header: Option<&HeaderName>) -> RequestId {
    context::request_id().unwrap_or_else(|| {
        resolve::resolve_defaults(headers, &http::Extensions::new(), header)
            .resolved
            .id()
            .clone()
    })
}

/// The header an ID field goes out under: the struct's own when it names
/// one, else the one the current request's ID was resolved under (when the
/// field holds that request's ID), else `x-request-id`.
pub fn id_header(header: Option<HeaderName>, value: &HeaderValue) -> HeaderName {
    header.unwrap_or_else(|| context::header_of(value.as_bytes()))
}

/// Registers a derived `TrackingContext`'s headers for outbound calls, in the
/// context of the request `id` belongs to only (not in another request's that
/// called a router in-process).
pub fn register<T: 'static>(id: &RequestId, headers: HeaderMap) {
    if context::is_current(id) {
        crate::context::outbound::register::<T>(headers);
    }
}

/// Stores a clone of a `TrackingContext` in the request's context when it is
/// `Clone` (an autoref ladder, see `crate::support::autoref`:
/// [`StoreClone`] and [`StoreNothing`]),
/// so `current()` finds it. Only in the context of the request `id` belongs
/// to: an extractor running inside another request's context (a router
/// called in-process) must not write into that one.
pub struct Store<'a, T>(pub &'a T, pub &'a RequestId);

/// Chosen for `(&Store(&value, &id)).store()` when `T: Clone`.
pub trait StoreClone {
    /// Stores a clone of the value in the current request's context.
    fn store(&self);
}

impl<T: Clone + Send + Sync + 'static> StoreClone for Store<'_, T> {
    fn store(&self) {
        if context::is_current(self.1) {
            context::insert(self.0.clone());
        }
    }
}

/// Chosen for `(&Store(&value, &id)).store()` otherwise: there is nothing to
/// store a copy with.
pub trait StoreNothing {
    /// Does nothing.
    fn store(&self);
}

impl<T> StoreNothing for &Store<'_, T> {
    fn store(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;

    #[test]
    fn header_values_are_bounded_visible_ascii() {
        let name = HeaderName::from_static("x-user-id");
        let check = |value: &[u8], max| {
            let mut headers = HeaderMap::new();
            headers.insert(name.clone(), HeaderValue::from_bytes(value).unwrap());
            check_header(&headers, &name, max).is_ok()
        };
        assert!(check_header(&HeaderMap::new(), &name, None).is_ok());
        assert!(check(b"u-7", None));
        assert!(check(b"!~", None));
        assert!(check(&[b'x'; 128], None));
        assert!(!check(&[b'x'; 129], None));
        assert!(check(&[b'x'; 129], Some(129)));
        assert!(!check(b"abc", Some(2)));
        for bad in [&b""[..], b"a b", b"a\tb", b"caf\xc3\xa9", b" x"] {
            assert!(!check(bad, None), "{bad:?}");
        }
        // Every line is checked (the read then refuses two lines).
        let mut headers = HeaderMap::new();
        headers.append(name.clone(), HeaderValue::from_static("ok"));
        headers.append(name.clone(), HeaderValue::from_static("not ok"));
        let error = check_header(&headers, &name, None).unwrap_err();
        assert_eq!(error.header(), Some("x-user-id"));
        assert!(!error.to_string().contains("not ok"), "{error}");
    }

    #[tokio::test]
    async fn the_peer_is_trusted_as_the_request_resolved() {
        assert!(peer_trusted());
        let id = RequestId::from_static("t");
        let trusted = Context::new(id.clone())
            .scope(async { peer_trusted() })
            .await;
        assert!(trusted);
        let resolved = crate::context::Resolved::new(id, crate::id::DEFAULT_HEADER, None)
            .with_trust(false, false);
        let untrusted = Context::from_resolved(resolved, None)
            .scope(async { peer_trusted() })
            .await;
        assert!(!untrusted);
    }

    // The borrows are the autoref specialization under test.
    #[allow(clippy::needless_borrow)]
    #[tokio::test]
    async fn clone_values_are_stored_only_in_their_request() {
        #[derive(Clone, PartialEq, Debug)]
        struct C(u8);
        struct N;

        let t = RequestId::from_static("t");
        (&Store(&C(1), &t)).store();
        assert_eq!(context::get::<C>(), None);
        Context::new(t.clone())
            .scope(async {
                (&Store(&C(2), &t)).store();
                (&Store(&C(3), &RequestId::from_static("other"))).store();
                (&Store(&N, &t)).store();
                assert_eq!(context::get::<C>(), Some(C(2)));
            })
            .await;
    }
}
