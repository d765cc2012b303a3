//! [`Routes`]: what `qh::routes!` expands to, mounting endpoints (and the
//! `/tasks` routes, when a task endpoint is among them) into an axum router
//! whose other methods answer a 405 problem.

use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter};
use axum::Router;
use http::Method;

use crate::endpoint::not_allowed::method_not_allowed;
use crate::endpoint::{Endpoint, EndpointMarker};

/// Collects endpoints and builds the router; what `qh::routes!` expands to.
pub struct Routes<S> {
    entries: Vec<Entry<S>>,
    /// Whether any endpoint is a task endpoint: the `/tasks` routes come too.
    tasks: bool,
}

struct Entry<S> {
    path: &'static str,
    method: Method,
    name: &'static str,
    router: MethodRouter<S>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    /// No routes yet.
    #[must_use]
    pub fn new() -> Self {
        Self {
            entries: Vec::new(),
            tasks: false,
        }
    }

    /// Adds endpoint `E`.
    #[must_use]
    pub fn add<E: Endpoint + Handler<EndpointMarker, S>>(mut self) -> Self {
        let filter = MethodFilter::try_from(E::METHOD).unwrap_or(MethodFilter::POST);
        self.entries.push(Entry {
            path: E::PATH,
            method: E::METHOD,
            name: E::NAME,
            router: axum::routing::on(filter, E::handler()),
        });
        self.tasks |= E::TASK;
        self
    }

    /// The router: one route per path, its methods merged. Other methods on
    /// that path answer 405 with axum's `Allow` header and a problem body.
    ///
    /// The 405 answer is axum's own method fallback, wrapped, so it stays
    /// mergeable: `qh::routes![a].merge(qh::routes![b])` and plain
    /// `.route(path, …)` calls on the same path compose, and `Allow` lists
    /// every method of the merged route.
    ///
    /// When an endpoint is a task endpoint (`#[qh::endpoint(task)]`), the
    /// [`/tasks` routes](crate::tasks::router) are mounted once, whatever
    /// the number of task endpoints; not at all otherwise. Two routers that
    /// both have them merge without panicking (the routes are mounted so
    /// that a second mount is ignored). The router then also supplies a
    /// memory [`Runner`](crate::tasks::Runner) of its own to requests that
    /// carry none (an `axum::Extension(runner)` layered by the app wins):
    /// two such routers merged have one runner each, so an app merging
    /// several layers one runner over the whole.
    ///
    /// # Panics
    ///
    /// When two endpoints share a method and path (a startup configuration
    /// error, as with axum's own overlapping routes).
    pub fn into_router(self) -> Router<S> {
        let mut groups: Vec<Entry<S>> = Vec::new();
        let mut seen: Vec<(&'static str, Method, &'static str)> = Vec::new();
        for entry in self.entries {
            if let Some((_, _, other)) = seen
                .iter()
                .find(|(p, m, _)| *p == entry.path && *m == entry.method)
            {
                panic!(
                    "qh::routes!: `{} {}` is served by both `{other}` and `{}`",
                    entry.method, entry.path, entry.name
                );
            }
            seen.push((entry.path, entry.method.clone(), entry.name));
            match groups.iter_mut().find(|g| g.path == entry.path) {
                Some(group) => {
                    group.router = std::mem::take(&mut group.router).merge(entry.router);
                }
                None => groups.push(entry),
            }
        }
        let app = groups.into_iter().fold(Router::new(), |app, group| {
            // `merge` keeps the second of two default fallbacks: ours.
            app.route(group.path, group.router.merge(method_not_allowed()))
        });
        if self.tasks {
            crate::tasks::with_default_runner(app.merge(crate::tasks::router()))
        } else {
            app
        }
    }
}
