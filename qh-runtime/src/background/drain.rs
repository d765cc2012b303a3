//! Shutting down: counting background work in flight so a server can wait
//! for it (bounded by a timeout), telling long waits to end, and letting the
//! task runners record what was still running when the time ran out.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, Weak};
use std::time::Duration;

use tokio::sync::Notify;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static IDLE: Notify = Notify::const_new();
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);
static SHUTDOWN: Notify = Notify::const_new();
static LEFT_BEHIND: Mutex<Vec<Weak<dyn LeftBehind>>> = Mutex::new(Vec::new());

/// Something that runs work `drain` may give up on (a task runner): told so
/// when the drain times out, it stops that work and records why.
pub(crate) trait LeftBehind: Send + Sync {
    fn abandon(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Registers `runner` to be told when a drain times out (held weakly: a
/// runner dropped meanwhile is skipped, and pruned here).
pub(crate) fn on_drain_timeout(runner: Weak<dyn LeftBehind>) {
    let mut runners = LEFT_BEHIND
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    runners.retain(|r| r.strong_count() > 0);
    runners.push(runner);
}

/// Tells qh the server is shutting down: task long-polls
/// (`GET /tasks/{id}/result?wait=true`) answer at once (`503` with
/// `Retry-After`) instead of holding graceful shutdown for up to their
/// timeout, and new ones are not started. Call it when the shutdown signal
/// arrives, inside `with_graceful_shutdown`'s future; [`drain`] calls it
/// too. There is no way back: it is for the end of the process.
///
/// ```no_run
/// # async fn run(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
/// axum::serve(listener, app)
///     .with_graceful_shutdown(async {
///         let _ = tokio::signal::ctrl_c().await;
///         qh::background::begin_shutdown();
///     })
///     .await
/// # }
/// ```
pub fn begin_shutdown() {
    SHUTTING_DOWN.store(true, Ordering::Release);
    SHUTDOWN.notify_waiters();
}

/// Whether [`begin_shutdown`] (or [`drain`]) was called.
#[must_use]
pub fn is_shutting_down() -> bool {
    SHUTTING_DOWN.load(Ordering::Acquire)
}

/// Resolves once the server is shutting down (at once if it already is).
pub(crate) async fn shutdown_begun() {
    let begun = SHUTDOWN.notified();
    tokio::pin!(begun);
    // Registered before the check, so a shutdown in between still wakes us.
    begun.as_mut().enable();
    if is_shutting_down() {
        return;
    }
    begun.await;
}

/// Held by each piece of tracked work; dropping it (the work ended, was
/// aborted or panicked) counts the work out.
#[derive(Debug)]
pub(crate) struct Guard(());

pub(crate) fn track() -> Guard {
    IN_FLIGHT.fetch_add(1, Ordering::AcqRel);
    Guard(())
}

impl Drop for Guard {
    fn drop(&mut self) {
        if IN_FLIGHT.fetch_sub(1, Ordering::AcqRel) == 1 {
            IDLE.notify_waiters();
        }
    }
}

/// How many pieces of tracked background work are running or queued now:
/// [`BackgroundTasks`](crate::BackgroundTasks) job lists,
/// [`spawn_blocking`](crate::spawn_blocking) calls and
/// [`Tasks`](crate::tasks::Tasks) submissions.
///
/// ```
/// assert_eq!(qh::background::in_flight(), 0);
/// ```
#[must_use]
pub fn in_flight() -> usize {
    IN_FLIGHT.load(Ordering::Acquire)
}

/// Waits until no tracked background work is left, or `timeout` has passed.
/// Returns `true` when everything finished in time.
///
/// Call it after the server has stopped accepting requests, so no new work
/// arrives while waiting. It first calls [`begin_shutdown`]. When the time
/// runs out, [`Tasks`](crate::tasks::Tasks) still running are stopped and
/// recorded in their store as `cancelled`, with the reason in `error`
/// (other instances sharing the store see that at once, rather than a
/// `running` task that later fails for its lost lease), each logged at WARN
/// with its `task_id`; other work still running keeps running until the
/// runtime shuts down (which cancels it at its next `.await`).
///
/// ```no_run
/// use std::time::Duration;
///
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// axum::serve(listener, app)
///     .with_graceful_shutdown(async { let _ = tokio::signal::ctrl_c().await; })
///     .await?;
/// if !qh::background::drain(Duration::from_secs(10)).await {
///     eprintln!("{} background jobs abandoned", qh::background::in_flight());
/// }
/// # Ok(()) }
/// ```
pub async fn drain(timeout: Duration) -> bool {
    begin_shutdown();
    if wait_idle(timeout).await {
        return true;
    }
    let runners: Vec<_> = LEFT_BEHIND
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    for runner in runners {
        runner.abandon().await;
    }
    // Aborted tasks count out when tokio drops them, just after: a moment
    // for that, so `in_flight` afterwards tells of other work only.
    wait_idle(Duration::from_millis(100)).await;
    false
}

async fn wait_idle(timeout: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let idle = IDLE.notified();
        tokio::pin!(idle);
        // Registered before the check, so a finish in between still wakes us.
        idle.as_mut().enable();
        if in_flight() == 0 {
            return true;
        }
        if tokio::time::timeout_at(deadline, idle).await.is_err() {
            return in_flight() == 0;
        }
    }
}
