//! The request-local context store.
//!
//! A tokio task-local holds the current request's ID (and, on request, a few
//! more values) for as long as the request is being handled. Code anywhere
//! below the handler reads it with [`request_id`](crate::request_id) without
//! passing it around; [`spawn`](crate::spawn) carries it into new tasks.

use std::cell::RefCell;
use std::future::Future;

use http::Extensions;
use tokio::task::futures::TaskLocalFuture;

use crate::RequestId;

tokio::task_local! {
    static CONTEXT: Context;
}

/// What the store holds for one request.
///
/// Storing nothing beyond the ID allocates nothing: the extension map is only
/// created on the first [`insert`].
#[derive(Clone, Debug)]
pub struct Context {
    id: RequestId,
    client_id: Option<RequestId>,
    extensions: RefCell<Extensions>,
}

impl Context {
    /// A context for the request identified by `id`.
    #[must_use]
    pub fn new(id: RequestId) -> Self {
        Self {
            id,
            client_id: None,
            extensions: RefCell::new(Extensions::new()),
        }
    }

    /// Keeps the client's own (valid) ID beside the server's, for logs.
    #[must_use]
    pub fn with_client_id(mut self, client_id: Option<RequestId>) -> Self {
        self.client_id = client_id;
        self
    }

    /// The request's tracking ID.
    #[must_use]
    pub fn id(&self) -> &RequestId {
        &self.id
    }

    /// The ID the client sent, when incoming IDs are not trusted.
    #[must_use]
    pub fn client_id(&self) -> Option<&RequestId> {
        self.client_id.as_ref()
    }

    /// A copy of the context of the current request, if there is one.
    #[must_use]
    pub fn current() -> Option<Self> {
        CONTEXT.try_with(Clone::clone).ok()
    }

    /// This context with IDs that own their bytes, for work that outlives
    /// the request (see [`spawn`](crate::spawn)).
    #[must_use]
    pub(crate) fn detached(&self) -> Self {
        Self {
            id: self.id.detached(),
            client_id: self.client_id.as_ref().map(RequestId::detached),
            extensions: self.extensions.clone(),
        }
    }

    /// Runs `fut` with this context as the current one.
    pub fn scope<F: Future>(self, fut: F) -> TaskLocalFuture<Self, F> {
        CONTEXT.scope(self, fut)
    }

    /// Runs `f` with this context as the current one.
    pub fn sync_scope<R>(self, f: impl FnOnce() -> R) -> R {
        CONTEXT.sync_scope(self, f)
    }
}

/// A copy of the current context whose IDs own their bytes.
pub(crate) fn detached_current() -> Option<Context> {
    CONTEXT.try_with(Context::detached).ok()
}

/// The current request's tracking ID; `None` outside a request.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::{context::Context, RequestId};
///
/// assert_eq!(qh::request_id(), None);
/// let id = RequestId::from_static("job-42");
/// Context::new(id).scope(async {
///     assert_eq!(qh::request_id().unwrap(), "job-42");
/// }).await;
/// # }
/// ```
#[must_use]
pub fn request_id() -> Option<RequestId> {
    CONTEXT.try_with(|c| c.id.clone()).ok()
}

/// The client-sent ID kept beside the server's when incoming IDs are not
/// trusted (see [`Tracking::trust_incoming`](crate::Tracking::trust_incoming)).
#[must_use]
pub fn client_request_id() -> Option<RequestId> {
    CONTEXT.try_with(|c| c.client_id.clone()).ok().flatten()
}

/// Whether code is running inside a request's context.
#[must_use]
pub fn is_set() -> bool {
    CONTEXT.try_with(|_| ()).is_ok()
}

/// Stores `value` in the current request's context, replacing any value of
/// the same type. Returns `false` (and drops the value) outside a request.
///
/// Values travel with the context into [`spawn`](crate::spawn)ed tasks.
pub fn insert<T: Clone + Send + Sync + 'static>(value: T) -> bool {
    CONTEXT
        .try_with(|c| {
            c.extensions.borrow_mut().insert(value);
        })
        .is_ok()
}

/// A copy of the value of type `T` stored in the current request's context.
#[must_use]
pub fn get<T: Clone + Send + Sync + 'static>() -> Option<T> {
    CONTEXT
        .try_with(|c| c.extensions.borrow().get::<T>().cloned())
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_live_as_long_as_the_scope() {
        assert!(!insert(5u8));
        Context::new(RequestId::from_static("a"))
            .scope(async {
                assert!(insert(5u8));
                tokio::task::yield_now().await;
                assert_eq!(get::<u8>(), Some(5));
                assert_eq!(get::<u16>(), None);
            })
            .await;
        assert_eq!(get::<u8>(), None);
        assert!(!is_set());
    }

    #[test]
    fn sync_scope_sets_the_id() {
        let seen = Context::new(RequestId::from_static("s")).sync_scope(request_id);
        assert_eq!(seen.unwrap(), "s");
        assert_eq!(request_id(), None);
    }
}
