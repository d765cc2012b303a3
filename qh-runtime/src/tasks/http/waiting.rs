//! Long-polls (`GET /tasks/{id}/result?wait=true`): at most so many at once
//! per runner, and none held through the app's shutdown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::response::Response;

use super::answers::{store_failed, unavailable};
use crate::context::shutdown::Shutdown;
use crate::tasks::{CallerTasks, TaskRecord};

/// How many `?wait=true` requests one [`Runner`](crate::tasks::Runner)
/// serves at once by default.
pub const DEFAULT_MAX_WAITERS: usize = 1024;

/// One waiter counted in; counted out when dropped (answered, or the client
/// went away).
struct Slot<'a>(&'a AtomicUsize);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A waiter's slot among at most `limit`, if one is free.
fn enter(now: &AtomicUsize, limit: usize) -> Option<Slot<'_>> {
    now.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
        (n < limit).then_some(n + 1)
    })
    .ok()
    .map(|_| Slot(now))
}

/// Waits (bounded) for the task to finish, as the result route does: a
/// refusal when too many wait already, a `503` when the shutdown of the
/// app the request came into begins meanwhile (or already has), so a
/// long-poll never holds a graceful shutdown.
pub(crate) async fn wait(
    tasks: &CallerTasks,
    task_id: &str,
    timeout: Duration,
) -> Result<Option<TaskRecord>, Response> {
    let shutdown = crate::context::current_shutdown();
    if shutdown.as_ref().is_some_and(Shutdown::begun) {
        return Err(shutting_down());
    }
    let runner = tasks.runner();
    let Some(_slot) = enter(&runner.inner.waiting, runner.max_waiters()) else {
        tracing::warn!(
            max = runner.max_waiters(),
            "task wait refused: too many requests are waiting"
        );
        return Err(unavailable(
            "too many requests are waiting for tasks; try again shortly, or ask without `wait`",
            "1",
        ));
    };
    tokio::select! {
        found = runner.store().wait(task_id, timeout) => {
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
