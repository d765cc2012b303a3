//! Mounting the `/tasks` routes so that mounting them twice is harmless.
//!
//! axum panics when two merged routers serve the same method on the same
//! path, and every `qh::routes!` with a task endpoint brings the `/tasks`
//! routes: `qh::routes![a].merge(qh::routes![b])` would panic. So each
//! path is mounted as a method router with no methods at all, whose
//! *default* fallback is replaced (through a layer, which keeps it a
//! default one) by the real handlers. axum merges two default fallbacks by
//! keeping one, and both are the same handlers, so a second mount merges
//! silently; a user's own route on the same path keeps its methods.

use axum::routing::{MethodRouter, Route};
use tower::Layer;

/// `methods` (answered with a 405 problem for others, tracked), mounted as
/// the default fallback of a method router without methods.
pub(super) fn mergeable<S>(methods: MethodRouter<()>) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    let served = methods
        .merge(crate::endpoint::routes::method_not_allowed())
        // Tracked without an app-wide layer; under one, this nested layer
        // reuses its resolution (one span, one echo).
        .layer(crate::Tracking::defaults().clone());
    MethodRouter::new().layer(ServeInstead(served))
}

/// Replaces the default fallback (axum's 405) with the served methods.
#[derive(Clone)]
struct ServeInstead(MethodRouter<()>);

impl Layer<Route> for ServeInstead {
    type Service = MethodRouter<()>;

    fn layer(&self, _axum_default: Route) -> MethodRouter<()> {
        self.0.clone()
    }
}
