//! [`Shutdown`]: the app's handle on its own graceful shutdown. It counts
//! the background work of the requests that carry it, tells long waits to
//! end when the shutdown begins, and lets task runners record what was
//! still running when a drain gave up.
//!
//! It lives with the context because each request's [`Context`](super::Context)
//! carries the handle of the `Tracking` layer it came through: everything
//! below the context (spawning, jobs, tasks, the `/tasks` routes) reads it
//! there. `qh::background` re-exports it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use crate::support::sync::lock;

/// The graceful shutdown of one app: a handle it creates, attaches to its
/// [`Tracking`](crate::Tracking) layer, and hands to axum's
/// `with_graceful_shutdown`.
///
/// Requests that come through a layer with [`Tracking::shutdown`](crate::Tracking::shutdown)
/// carry the handle in their context, and their background work counts
/// toward it: [`qh::spawn`](crate::spawn) and
/// [`spawn_blocking`](crate::spawn_blocking) calls,
/// [`BackgroundTasks`](crate::BackgroundTasks) job lists and task
/// submissions ([`Runner`](crate::tasks::Runner)). Their task long-polls
/// (`GET /tasks/{id}/result?wait=true`) end with `503` when the shutdown
/// [begins](Self::begin). Work outside such a request (a layer without
/// `.shutdown`, an endpoint without any layer, a task submitted outside a
/// request) is not counted.
///
/// Cloning gives another handle on the same shutdown. Two apps in one
/// process (two routers, an HTTP and a gRPC server, tests) each make their
/// own: one draining leaves the other serving.
///
/// ```no_run
/// use std::time::Duration;
///
/// # #[qh::endpoint] fn add(a: i64, b: i64) -> i64 { a + b }
/// # async fn run() -> std::io::Result<()> {
/// let shutdown = qh::background::Shutdown::new();
/// let app = qh::routes![add].layer(qh::Tracking::new().shutdown(&shutdown));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// axum::serve(listener, app)
///     .with_graceful_shutdown(shutdown.signal(tokio::signal::ctrl_c()))
///     .await?;
/// if !shutdown.drain(Duration::from_secs(10)).await {
///     eprintln!("{} pieces of background work abandoned", shutdown.in_flight());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct Shutdown {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    in_flight: AtomicUsize,
    idle: Notify,
    begun: AtomicBool,
    begins: Notify,
    left_behind: Mutex<Vec<Weak<dyn LeftBehind>>>,
}

impl fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shutdown")
            .field("begun", &self.begun())
            .field("in_flight", &self.in_flight())
            .finish()
    }
}

/// Something that runs work a drain may give up on (a task runner): told
/// so when the drain of `shutdown` times out, it stops that shutdown's work
/// and records why.
pub(crate) trait LeftBehind: Send + Sync {
    fn abandon<'a>(
        &'a self,
        shutdown: &'a Shutdown,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
}

/// Held by each piece of counted work; dropping it (the work ended, was
/// aborted or panicked) counts the work out.
#[derive(Debug)]
pub(crate) struct Guard(Shutdown);

impl Drop for Guard {
    fn drop(&mut self) {
        let inner = &self.0.inner;
        if inner.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            inner.idle.notify_waiters();
        }
    }
}

impl Shutdown {
    /// A shutdown not begun, with no work in flight.
    ///
    /// ```
    /// let shutdown = qh::background::Shutdown::new();
    /// assert!(!shutdown.begun());
    /// assert_eq!(shutdown.in_flight(), 0);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Begins the shutdown: task long-polls of this app's requests answer
    /// at once (`503` with `Retry-After`) instead of holding the graceful
    /// shutdown for up to their timeout, and new ones are not started.
    /// [`signal`](Self::signal) and [`drain`](Self::drain) call it. There is
    /// no way back: it is for the end of the app.
    ///
    /// ```
    /// let shutdown = qh::background::Shutdown::new();
    /// shutdown.begin();
    /// assert!(shutdown.begun());
    /// ```
    pub fn begin(&self) {
        self.inner.begun.store(true, Ordering::Release);
        self.inner.begins.notify_waiters();
    }

    /// Whether the shutdown has begun.
    #[must_use]
    pub fn begun(&self) -> bool {
        self.inner.begun.load(Ordering::Acquire)
    }

    /// How many pieces of counted background work are running or queued
    /// now (see the type's documentation for what counts).
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.inner.in_flight.load(Ordering::Acquire)
    }

    /// A future for axum's `with_graceful_shutdown`: it waits for `signal`
    /// (`tokio::signal::ctrl_c()`, a SIGTERM listener, a channel…), then
    /// [begins](Self::begin) the shutdown, so long-polls end as the server
    /// stops accepting connections. `signal`'s output is ignored.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let shutdown = qh::background::Shutdown::new();
    /// let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    /// let stopped = shutdown.signal(rx);
    /// tx.send(()).unwrap();
    /// stopped.await;
    /// assert!(shutdown.begun());
    /// # }
    /// ```
    pub fn signal<F>(&self, signal: F) -> impl Future<Output = ()> + Send + 'static
    where
        F: Future + Send + 'static,
    {
        let this = self.clone();
        async move {
            signal.await;
            this.begin();
        }
    }

    /// Begins the shutdown, then waits until no counted work is left or
    /// `timeout` has passed. Returns `true` when everything finished in
    /// time.
    ///
    /// Call it after the server has stopped accepting requests, so no new
    /// work arrives while waiting. When the time runs out, tasks of this
    /// app's requests still running ([`Runner`](crate::tasks::Runner)
    /// submissions) are stopped and recorded in their store as `cancelled`,
    /// with the reason in `error` (other instances sharing the store see
    /// that at once, rather than a `running` task that later fails for its
    /// lost lease), each logged at WARN with its `task_id`; other work
    /// still running keeps running until the runtime shuts down (which
    /// cancels it at its next `.await`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::time::Duration;
    ///
    /// let shutdown = qh::background::Shutdown::new();
    /// assert!(shutdown.drain(Duration::from_secs(1)).await);
    /// assert!(shutdown.begun());
    /// # }
    /// ```
    pub async fn drain(&self, timeout: Duration) -> bool {
        self.begin();
        if self.wait_idle(timeout).await {
            return true;
        }
        let runners: Vec<_> = self
            .left_behind()
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for runner in runners {
            runner.abandon(self).await;
        }
        // Aborted tasks count out when tokio drops them, just after: a
        // moment for that, so `in_flight` afterwards tells of other work.
        self.wait_idle(Duration::from_millis(100)).await;
        false
    }

    /// Counts one piece of work in, until the guard drops.
    pub(crate) fn track(&self) -> Guard {
        self.inner.in_flight.fetch_add(1, Ordering::AcqRel);
        Guard(self.clone())
    }

    /// Resolves once the shutdown has begun (at once if it has).
    pub(crate) async fn begins(&self) {
        let begins = self.inner.begins.notified();
        tokio::pin!(begins);
        // Registered before the check, so a shutdown in between still
        // wakes us.
        begins.as_mut().enable();
        if self.begun() {
            return;
        }
        begins.await;
    }

    /// Registers `runner` to be told when a drain of this shutdown times
    /// out (held weakly: a runner dropped meanwhile is skipped, and
    /// pruned; registering one again changes nothing).
    pub(crate) fn on_drain_timeout(&self, runner: Weak<dyn LeftBehind>) {
        let mut runners = self.left_behind();
        runners.retain(|r| r.strong_count() > 0);
        if !runners.iter().any(|r| Weak::ptr_eq(r, &runner)) {
            runners.push(runner);
        }
    }

    /// Whether `self` and `other` are handles on the same shutdown.
    pub(crate) fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    fn left_behind(&self) -> std::sync::MutexGuard<'_, Vec<Weak<dyn LeftBehind>>> {
        lock(&self.inner.left_behind)
    }

    async fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let idle = self.inner.idle.notified();
            tokio::pin!(idle);
            // Registered before the check, so a finish in between still
            // wakes us.
            idle.as_mut().enable();
            if self.in_flight() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                return self.in_flight() == 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn two_shutdowns_count_apart() {
        let (a, b) = (Shutdown::new(), Shutdown::new());
        let guard = a.track();
        assert_eq!((a.in_flight(), b.in_flight()), (1, 0));
        assert!(b.drain(Duration::from_millis(10)).await);
        assert!(!a.begun());
        assert!(!a.drain(Duration::from_millis(10)).await);
        drop(guard);
        assert!(a.drain(Duration::from_millis(10)).await);
        assert!(a.same(&a.clone()) && !a.same(&b));
    }

    #[tokio::test]
    async fn begins_resolves_when_begun() {
        let shutdown = Shutdown::new();
        let waiting = tokio::spawn({
            let s = shutdown.clone();
            async move { s.begins().await }
        });
        tokio::task::yield_now().await;
        shutdown.begin();
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .unwrap()
            .unwrap();
        // Already begun: at once.
        shutdown.begins().await;
    }
}
