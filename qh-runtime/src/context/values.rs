//! The typed values a request's code stores in its context ([`insert`])
//! and reads back anywhere below it ([`get`]).

use std::any::Any;

use super::{with_current, Rare};

/// Stores `value` in the current request's context, replacing any value of
/// the same type. Returns `false` (and drops the value) outside a request.
///
/// Values travel with the context into [`spawn`](crate::spawn)ed tasks.
///
/// # Examples
///
/// A middleware stores the caller's tenant once; code below the handler
/// reads it with [`get`]:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::{body::Body, http::Request, middleware::{self, Next}, response::Response};
/// use axum::{routing::get, Router};
/// use tower::ServiceExt;
///
/// #[derive(Clone)]
/// struct Tenant(String);
///
/// async fn tenant(req: axum::extract::Request, next: Next) -> Response {
///     if let Some(name) = req.headers().get("x-tenant").and_then(|v| v.to_str().ok()) {
///         qh::context::insert(Tenant(name.to_owned()));
///     }
///     next.run(req).await
/// }
///
/// async fn handler() -> String {
///     qh::context::get::<Tenant>().map(|t| t.0).unwrap_or_default()
/// }
///
/// let app: Router = Router::new()
///     .route("/", get(handler))
///     .layer(middleware::from_fn(tenant))
///     .layer(qh::Tracking::new()); // outermost: the context exists first
/// let req = Request::get("/").header("x-tenant", "acme").body(Body::empty()).unwrap();
/// let body = app.oneshot(req).await.unwrap().into_body();
/// assert_eq!(&axum::body::to_bytes(body, 64).await.unwrap()[..], b"acme");
///
/// assert!(!qh::context::insert(Tenant("outside".into()))); // no request here
/// # }
/// ```
pub fn insert<T: Clone + Send + Sync + 'static>(value: T) -> bool {
    with_current(|c| {
        let replaced = {
            let mut rare = c.rare_mut();
            match rare.slot_mut::<T>() {
                Some(slot) => slot.replace(value),
                None => rare.values.insert(value),
            }
        };
        // Dropped once the context is no longer borrowed: its `Drop` may
        // log, which reads the context.
        drop(replaced);
    })
    .is_some()
}

/// A copy of the value of type `T` stored in the current request's context.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::{context::Context, RequestId};
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct UserId(u64);
///
/// Context::new(RequestId::from_static("req-1"))
///     .scope(async {
///         assert_eq!(qh::context::get::<UserId>(), None);
///         qh::context::insert(UserId(7));
///         // Spawned tasks get a copy of the request's values.
///         let seen = qh::spawn(async { qh::context::get::<UserId>() }).await.unwrap();
///         assert_eq!(seen, Some(UserId(7)));
///     })
///     .await;
/// # }
/// ```
#[must_use]
pub fn get<T: Clone + Send + Sync + 'static>() -> Option<T> {
    with_current(|c| {
        let rare = c.rare.borrow();
        let rare = rare.as_ref()?;
        match rare.slot::<T>() {
            Some(slot) => slot.clone(),
            None => rare.values.get::<T>().cloned(),
        }
    })
    .flatten()
}

impl Rare {
    /// The slot of its own a value of type `T` has, if any: a
    /// [`TraceContext`](crate::trace_context::TraceContext)'s is `trace`
    /// (every log line of a request reads it); any other type lives in
    /// `values`.
    fn slot<T: 'static>(&self) -> Option<&Option<T>> {
        (&self.trace as &dyn Any).downcast_ref()
    }

    /// [`slot`](Self::slot), to write.
    fn slot_mut<T: 'static>(&mut self) -> Option<&mut Option<T>> {
        (&mut self.trace as &mut dyn Any).downcast_mut()
    }
}
