//! Long-polls (`GET /tasks/{id}/result?wait=true`): at most so many at once
//! per runner, and none held through a shutdown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::response::Response;

use super::answers::{store_failed, unavailable};
use crate::context::shutdown::Shutdown;
use crate::tasks::{TaskRecord, Tasks};

/// How many `?wait=true` requests one [`Tasks`] serves at once by default.
pub const DEFAULT_MAX_WAITERS: usize = 1024;

#[derive(Debug)]
pub(crate) struct Waiters {
    limit: AtomicUsize,
    now: AtomicUsize,
}

impl Default for Waiters {
    fn default() -> Self {
        Self {
            limit: AtomicUsize::new(DEFAULT_MAX_WAITERS),
            now: AtomicUsize::new(0),
        }
    }
}

/// One waiter counted in; counted out when dropped (answered, or the client
/// went away).
struct Slot<'a>(&'a AtomicUsize);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Waiters {
    fn enter(&self) -> Option<Slot<'_>> {
        let limit = self.limit.load(Ordering::Relaxed);
        self.now
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(&self.now))
    }
}

impl Tasks {
    /// The most `GET /tasks/{id}/result?wait=true` requests waiting at once
    /// on this runner (default [`DEFAULT_MAX_WAITERS`]; 0 turns waiting
    /// off). Each holds a connection and a little memory for up to its
    /// timeout; over the bound a request is answered at once with `503`
    /// problem+json and `Retry-After: 1`: the bound is the server's
    /// capacity, shared by every client, not one client's rate (which `429`
    /// would say). Polling without `wait` is never refused. Applies to every
    /// clone of this runner.
    ///
    /// ```
    /// let tasks = qh::tasks::Tasks::memory().max_waiters(200);
    /// assert_eq!(tasks.waiting(), 0);
    /// ```
    #[must_use]
    pub fn max_waiters(self, max: usize) -> Self {
        self.inner.waiters.limit.store(max, Ordering::Relaxed);
        self
    }

    /// How many `?wait=true` requests are waiting now.
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.inner.waiters.now.load(Ordering::Acquire)
    }
}

/// Waits (bounded) for the task to finish, as the result route does: a
/// refusal when too many wait already, a `503` when the server starts
/// shutting down meanwhile (or already has), so a long-poll never holds a
/// graceful shutdown.
pub(super) async fn wait(
    tasks: &Tasks,
    task_id: &str,
    timeout: Duration,
) -> Result<Option<TaskRecord>, Response> {
    // The shutdown of the app the asking request came into, if any.
    let shutdown = crate::context::current_shutdown();
    if shutdown.as_ref().is_some_and(Shutdown::begun) {
        return Err(shutting_down());
    }
    let Some(_slot) = tasks.inner.waiters.enter() else {
        tracing::warn!(
            max = tasks.inner.waiters.limit.load(Ordering::Relaxed),
            "task wait refused: too many requests are waiting"
        );
        return Err(unavailable(
            "too many requests are waiting for tasks; try again shortly, or ask without `wait`",
            "1",
        ));
    };
    tokio::select! {
        found = tasks.store().wait(task_id, timeout) => {
            found.map_err(|e| store_failed(&e, "waiting for a task's result"))
        }
        () = begins(shutdown.as_ref()) => Err(shutting_down()),
    }
}

/// Resolves when `shutdown` begins; never without one.
async fn begins(shutdown: Option<&Shutdown>) {
    match shutdown {
        Some(shutdown) => shutdown.begins().await,
        None => std::future::pending().await,
    }
}

fn shutting_down() -> Response {
    unavailable("the server is shutting down; ask again", "1")
}
