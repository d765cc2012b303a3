//! [`RunnerBuilder`]: a [`Runner`]'s configuration, fixed by
//! [`build`](RunnerBuilder::build).

use std::sync::Arc;

use super::owner::OwnerHook;
use super::runner::Config;
use super::{MemoryTaskStore, Runner, TaskStore, DEFAULT_MAX_WAITERS};

/// The configuration of a [`Runner`], made with [`Runner::builder`]. Each
/// setter takes the builder and returns it; [`build`](Self::build) makes a
/// runner whose configuration never changes afterwards. Cloning a builder
/// gives an independent copy (configuring one leaves the other as it was).
///
/// ```
/// use qh::tasks::{MemoryTaskStore, Runner};
///
/// let base = Runner::builder().store(MemoryTaskStore::new().capacity(1000));
/// let operators = base.clone().listing(true).build();
/// let public = base.build();
/// assert!(operators.listing() && !public.listing());
/// ```
#[derive(Clone)]
#[must_use]
pub struct RunnerBuilder {
    store: Option<Arc<dyn TaskStore>>,
    owner: Option<OwnerHook>,
    listing: bool,
    expose_errors: bool,
    max_waiters: usize,
}

impl Default for RunnerBuilder {
    fn default() -> Self {
        Self {
            store: None,
            owner: None,
            listing: false,
            expose_errors: false,
            max_waiters: DEFAULT_MAX_WAITERS,
        }
    }
}

impl std::fmt::Debug for RunnerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunnerBuilder")
            .field("store", &self.store.as_ref().map(|_| "set"))
            .field("owner_hook", &self.owner.is_some())
            .field("listing", &self.listing)
            .field("expose_errors", &self.expose_errors)
            .field("max_waiters", &self.max_waiters)
            .finish()
    }
}

impl RunnerBuilder {
    /// Where the records live (default: a new [`MemoryTaskStore`] with its
    /// defaults). With the feature `redis`, a `RedisTaskStore` shares them
    /// between instances.
    ///
    /// ```
    /// use std::time::Duration;
    /// use qh::tasks::{MemoryTaskStore, Runner};
    ///
    /// let runner = Runner::builder()
    ///     .store(MemoryTaskStore::new().capacity(1000).ttl(Duration::from_secs(600)))
    ///     .build();
    /// ```
    pub fn store(self, store: impl TaskStore) -> Self {
        self.store_arc(Arc::new(store))
    }

    /// [`store`](Self::store) for a store already shared (with another
    /// runner, or code of yours that reads it).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use qh::tasks::{MemoryTaskStore, Runner, TaskStore};
    ///
    /// let store: Arc<dyn TaskStore> = Arc::new(MemoryTaskStore::new());
    /// let runner = Runner::builder().store_arc(store.clone()).build();
    /// assert!(Arc::ptr_eq(runner.store(), &store));
    /// ```
    pub fn store_arc(mut self, store: Arc<dyn TaskStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Scopes every task to the client that submitted it. `owner` names the
    /// caller of a request (from a verified token the app's auth layer put
    /// in the extensions, a session…); what it returns is stored with each
    /// task that request submits, and never shown.
    ///
    /// With a hook, every `/tasks` route answers a task of another owner
    /// exactly as an unknown one (`404` problem+json, after the same one
    /// store read), `GET /tasks/` lists the caller's own tasks only (its
    /// `request_id=` filter applies within them), and a request for which
    /// `owner` returns `None` (or an empty string) owns nothing: it sees no
    /// task, and a task endpoint refuses its submission with `401`
    /// problem+json ([`SubmitError::NoOwner`](super::SubmitError::NoOwner))
    /// before the function runs, so anonymous clients cannot fill the store
    /// with work no one can read or cancel. (No `WWW-Authenticate` is sent:
    /// the scheme is the app's; its auth layer, in front, is where the
    /// challenge belongs.)
    ///
    /// The hook is asked when a request's view of the runner is made
    /// ([`Runner::for_request`], i.e. the [`CallerTasks`](super::CallerTasks)
    /// extractor, which task endpoints and the routes use). A task
    /// submitted through the [`Runner`] itself has no owner and is shown to
    /// no one; inside a request that is logged (WARN), as the request's
    /// `CallerTasks` was most likely meant. A second call replaces the hook.
    ///
    /// ```
    /// let runner = qh::tasks::Runner::builder()
    ///     .owner(|parts| {
    ///         // Whatever the app's auth layer verified, e.g. a user ID it
    ///         // stored in the extensions; here a header, for brevity.
    ///         parts.headers.get("x-user").and_then(|v| v.to_str().ok()).map(str::to_owned)
    ///     })
    ///     .build();
    /// assert!(runner.owner().is_some());
    /// ```
    pub fn owner<F>(mut self, owner: F) -> Self
    where
        F: Fn(&http::request::Parts) -> Option<String> + Send + Sync + 'static,
    {
        self.owner = Some(Arc::new(owner));
        self
    }

    /// Whether `GET /tasks/` is served without an owner hook (default
    /// `false`). Turned on, it lists every client's tasks, with their
    /// request IDs and results, to every client that reaches it: only for
    /// routes the app's own auth layer guards (an operator's view). Off, the
    /// listing answers `404` problem+json, as a route the app does not serve
    /// would: a `403` would tell clients something exists that some
    /// credentials might open, and none do. With an owner hook the listing
    /// is always served, scoped to the caller; this switch changes nothing
    /// then.
    ///
    /// ```
    /// let runner = qh::tasks::Runner::builder().listing(true).build();
    /// assert!(runner.listing());
    /// ```
    pub fn listing(mut self, on: bool) -> Self {
        self.listing = on;
        self
    }

    /// Whether the routes show a failed task's error message (default
    /// `false`: a generic text; the message stays in the record and the
    /// logs).
    ///
    /// ```
    /// let runner = qh::tasks::Runner::builder().expose_errors(true).build();
    /// assert!(runner.expose_errors());
    /// ```
    pub fn expose_errors(mut self, expose: bool) -> Self {
        self.expose_errors = expose;
        self
    }

    /// The most `GET /tasks/{id}/result?wait=true` requests waiting at once
    /// on the runner (default [`DEFAULT_MAX_WAITERS`]; 0 turns waiting
    /// off). Each holds a connection and a little memory for up to its
    /// timeout; over the bound a request is answered at once with `503`
    /// problem+json and `Retry-After: 1`: the bound is the server's
    /// capacity, shared by every client, not one client's rate (which `429`
    /// would say). Polling without `wait` is never refused.
    ///
    /// ```
    /// let runner = qh::tasks::Runner::builder().max_waiters(200).build();
    /// assert_eq!(runner.max_waiters(), 200);
    /// ```
    pub fn max_waiters(mut self, max: usize) -> Self {
        self.max_waiters = max;
        self
    }

    /// The runner, its configuration fixed from now on.
    #[must_use]
    pub fn build(self) -> Runner {
        Runner::from_config(Config {
            store: self
                .store
                .unwrap_or_else(|| Arc::new(MemoryTaskStore::new())),
            owner: self.owner,
            listing: self.listing,
            expose_errors: self.expose_errors,
            max_waiters: self.max_waiters,
        })
    }
}
