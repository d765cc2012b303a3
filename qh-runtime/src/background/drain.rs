//! Counting background work in flight, so a server shutting down can wait
//! for it (bounded by a timeout).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static IDLE: Notify = Notify::const_new();

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
/// arrives while waiting; work still running at the timeout keeps running
/// until the runtime shuts down (which cancels it at its next `.await`).
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
