//! [`RunnerBuilder`]: a [`Runner`]'s configuration, fixed by
//! [`build`](RunnerBuilder::build).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::handler::Handler;

use super::owner::OwnerHook;
use super::replay::{route_of, Registered, TaskEndpoint};
use super::runner::Config;
use super::{MemoryTaskStore, Quota, Runner, TaskStore};
use crate::context::shutdown::Shutdown;
use crate::endpoint::EndpointMarker;

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
    max_waiters: Option<usize>,
    max_attempts: u32,
    backoff: (Duration, Duration),
    quota: Quota,
    endpoints: HashMap<String, Registered>,
    shutdown: Option<Shutdown>,
}

impl Default for RunnerBuilder {
    fn default() -> Self {
        Self {
            store: None,
            owner: None,
            listing: false,
            expose_errors: false,
            max_waiters: None,
            max_attempts: 3,
            backoff: (Duration::from_secs(1), Duration::from_secs(60)),
            quota: Quota::default(),
            endpoints: HashMap::new(),
            shutdown: None,
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
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .field("quota", &self.quota)
            .field("endpoints", &self.endpoints.keys().collect::<Vec<_>>())
            .field("shutdown", &self.shutdown.is_some())
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
    /// on the runner (0 turns waiting off). Each holds a connection (a file
    /// descriptor) and a little memory for up to its timeout; over the
    /// bound a request is answered at once with `503` problem+json and
    /// `Retry-After: 1`: the bound is the server's capacity, shared by
    /// every client, not one client's rate (which `429` would say; one
    /// client's share is its [`quota`](Self::quota)). Polling without
    /// `wait` is never refused.
    ///
    /// Unset, it is [`DEFAULT_MAX_WAITERS`](super::DEFAULT_MAX_WAITERS)
    /// or half the process's file-descriptor limit (`ulimit -n`), whichever
    /// is lower, so that waiters never exhaust the descriptors every other
    /// route needs.
    ///
    /// ```
    /// let runner = qh::tasks::Runner::builder().max_waiters(200).build();
    /// assert_eq!(runner.max_waiters(), 200);
    /// ```
    ///
    /// # Panics
    ///
    /// [`build`](Self::build) panics when `max` is more than half the
    /// process's file-descriptor limit: that many waiters would leave the
    /// server unable to accept connections. Raise the limit (`ulimit -n`)
    /// or lower the bound.
    pub fn max_waiters(mut self, max: usize) -> Self {
        self.max_waiters = Some(max);
        self
    }

    /// The most attempts a task takes (default 3, at least 1), whatever
    /// ends them: its instance lost (crashed, killed, cut off for good) or,
    /// for endpoints with `retries`, its function returning `Err` or
    /// panicking. Past it the task is `failed` with the reason. Starts
    /// handed back by an instance shutting down do not count.
    ///
    /// ```
    /// let runner = qh::tasks::Runner::builder().max_attempts(5).build();
    /// assert_eq!(runner.max_attempts(), 5);
    /// ```
    pub fn max_attempts(mut self, max: u32) -> Self {
        self.max_attempts = max.max(1);
        self
    }

    /// The pause before a retry (`#[qh::endpoint(task, retries = n)]`):
    /// `first` before the second attempt, doubling each time up to `most`,
    /// each pause drawn at random between half and all of that (jitter, so
    /// that tasks failing together do not retry together). Default 1 s and
    /// 60 s.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let runner = qh::tasks::Runner::builder()
    ///     .backoff(Duration::from_millis(200), Duration::from_secs(10))
    ///     .build();
    /// assert_eq!(runner.backoff(), (Duration::from_millis(200), Duration::from_secs(10)));
    /// ```
    pub fn backoff(mut self, first: Duration, most: Duration) -> Self {
        self.backoff = (first, most.max(first));
        self
    }

    /// How much of the runner one caller may hold (default
    /// [`Quota::default`]: 1,000 unfinished tasks, 1,000 kept records, 64
    /// waits per caller); over it, `429` problem+json with `Retry-After`.
    ///
    /// ```
    /// use qh::tasks::{Quota, Runner};
    ///
    /// let runner = Runner::builder().quota(Quota::default().running(4)).build();
    /// assert_eq!(runner.quota().running, Some(4));
    /// ```
    pub fn quota(mut self, quota: Quota) -> Self {
        self.quota = quota;
        self
    }

    /// Registers the task endpoint `E` (`#[qh::endpoint(task)]`) with the
    /// runner: this instance then runs again the tasks of `E` that another
    /// instance sharing the store lost (it crashed, or handed them back at
    /// shutdown), from the moment the runner is built, with no request to
    /// `E` needed first. Its router must have no state (`Router<()>`); see
    /// [`endpoint_with_state`](Self::endpoint_with_state) otherwise.
    ///
    /// Register every task endpoint the app serves (the ones its
    /// `qh::routes!` lists), on every instance: an instance runs again only
    /// what it registered. A task endpoint submitting through a runner it
    /// is not registered with is logged once at WARN.
    ///
    /// ```
    /// #[qh::endpoint(task)]
    /// async fn resize(width: u32) -> u32 { width / 2 }
    ///
    /// let runner = qh::tasks::Runner::builder().endpoint::<resize>().build();
    /// assert_eq!(runner.endpoints(), ["POST /resize"]);
    /// ```
    pub fn endpoint<E>(self) -> Self
    where
        E: TaskEndpoint + Handler<EndpointMarker, ()>,
    {
        self.endpoint_with_state::<E, ()>(())
    }

    /// [`endpoint`](Self::endpoint) for an endpoint whose router has state
    /// `S` (its `#[extract] State<…>` parameters): the state it runs with
    /// when this instance runs its tasks again.
    ///
    /// ```
    /// use axum::extract::State;
    ///
    /// #[derive(Clone)]
    /// struct Db;
    ///
    /// #[qh::endpoint(task)]
    /// async fn export(#[extract] State(_db): State<Db>, table: String) -> String { table }
    ///
    /// let runner = qh::tasks::Runner::builder().endpoint_with_state::<export, _>(Db).build();
    /// assert_eq!(runner.endpoints(), ["POST /export"]);
    /// ```
    pub fn endpoint_with_state<E, S>(mut self, state: S) -> Self
    where
        E: TaskEndpoint + Handler<EndpointMarker, S>,
        S: Clone + Send + Sync + 'static,
    {
        self.endpoints
            .insert(route_of::<E>(), Registered::of::<E, S>(state));
        self
    }

    /// The app's [`Shutdown`](crate::background::Shutdown), for the work the
    /// runner starts outside any request: the tasks it takes over from lost
    /// instances count toward it (and are handed back when its
    /// [`drain`](crate::background::Shutdown::drain) gives up on them), and
    /// once it begins the runner takes no more over. Tasks submitted in a
    /// request count toward that request's shutdown, as before.
    ///
    /// ```
    /// let shutdown = qh::background::Shutdown::new();
    /// let runner = qh::tasks::Runner::builder().shutdown(&shutdown).build();
    /// let app = qh::tasks::router::<()>()
    ///     .layer(axum::Extension(runner))
    ///     .layer(qh::Tracking::new().shutdown(&shutdown));
    /// # let _: axum::Router = app;
    /// ```
    pub fn shutdown(mut self, shutdown: &Shutdown) -> Self {
        self.shutdown = Some(shutdown.clone());
        self
    }

    /// The runner, its configuration fixed from now on. With a store
    /// shared by instances (`RedisTaskStore`), it sweeps the store for
    /// tasks other instances lost, every third of a lease, as soon as a
    /// tokio runtime runs it (now, when built inside one; else from its
    /// first submission or request).
    ///
    /// # Panics
    ///
    /// When [`max_waiters`](Self::max_waiters) was set above half the
    /// process's file-descriptor limit.
    #[must_use]
    pub fn build(self) -> Runner {
        let fd_bound = super::http::waiting::fd_bound();
        let max_waiters = match self.max_waiters {
            Some(max) => {
                if let Some(bound) = fd_bound.filter(|bound| max > *bound) {
                    panic!(
                        "RunnerBuilder::max_waiters({max}): each waiter holds a connection, and \
                         this process may open {} file descriptors (`ulimit -n`): at most {bound} \
                         waiters leave room for the other connections; raise the limit or lower \
                         the bound",
                        bound * 2
                    );
                }
                max
            }
            None => fd_bound.map_or(super::DEFAULT_MAX_WAITERS, |bound| {
                bound.min(super::DEFAULT_MAX_WAITERS)
            }),
        };
        Runner::from_config(Config {
            store: self
                .store
                .unwrap_or_else(|| Arc::new(MemoryTaskStore::new())),
            owner: self.owner,
            listing: self.listing,
            expose_errors: self.expose_errors,
            max_waiters,
            max_attempts: self.max_attempts,
            backoff: self.backoff,
            quota: self.quota,
            endpoints: self.endpoints,
            shutdown: self.shutdown,
        })
    }
}
