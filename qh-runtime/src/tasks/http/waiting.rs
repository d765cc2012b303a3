//! Long-polls (`GET /tasks/{id}/result?wait=true`): at most so many at once
//! per runner (and per caller), never more than the process's file
//! descriptors allow, and none held through the app's shutdown.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use axum::response::Response;

use super::answers::{over_quota, store_failed, unavailable};
use super::refusals::Refusals;
use crate::context::shutdown::Shutdown;
use crate::support::sync::lock;
use crate::tasks::{CallerTasks, QuotaKind, TaskRecord};

/// How many `?wait=true` requests one [`Runner`](crate::tasks::Runner)
/// serves at once by default (fewer when the process's file-descriptor
/// limit is lower than twice this: see
/// [`RunnerBuilder::max_waiters`](crate::tasks::RunnerBuilder::max_waiters)).
///
/// # Examples
///
/// ```
/// use qh::tasks::{Runner, DEFAULT_MAX_WAITERS};
///
/// let runner = Runner::default();
/// assert!(runner.max_waiters() <= DEFAULT_MAX_WAITERS);
/// // A service whose clients mostly long-poll takes fewer at once.
/// let runner = Runner::builder().max_waiters(DEFAULT_MAX_WAITERS / 4).build();
/// assert_eq!(runner.max_waiters(), 256);
/// ```
pub const DEFAULT_MAX_WAITERS: usize = 1024;

/// The most waiters the process's file descriptors leave room for: half
/// its soft limit (`ulimit -n`), the other half for every other connection
/// and file. Read from `/proc/self/limits` (Linux); `None` when it cannot
/// be read or is unlimited.
pub(crate) fn fd_bound() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    soft_open_files(&limits).map(|n| n / 2)
}

/// The soft "Max open files" of a `/proc/<pid>/limits` text.
fn soft_open_files(limits: &str) -> Option<usize> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Waiters counted per caller, on one runner.
#[derive(Default)]
pub(crate) struct Waiters {
    all: AtomicUsize,
    by_caller: Mutex<HashMap<String, usize>>,
}

impl Waiters {
    pub(crate) fn now(&self) -> usize {
        self.all.load(Ordering::Acquire)
    }

    fn by_caller(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        lock(&self.by_caller)
    }
}

/// One waiter counted in; counted out when dropped (answered, or the client
/// went away).
struct Slot<'a> {
    waiters: &'a Waiters,
    caller: Option<String>,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.waiters.all.fetch_sub(1, Ordering::AcqRel);
        if let Some(caller) = &self.caller {
            let mut by = self.waiters.by_caller();
            if let Some(n) = by.get_mut(caller) {
                *n -= 1;
                if *n == 0 {
                    by.remove(caller);
                }
            }
        }
    }
}

/// Why no slot was given.
enum Refused {
    Full,
    Quota(usize),
}

/// A waiter's slot among at most `limit`, and among at most `per_caller`
/// of `caller`'s, if one is free.
fn enter<'a>(
    waiters: &'a Waiters,
    limit: usize,
    caller: Option<&str>,
    per_caller: Option<usize>,
) -> Result<Slot<'a>, Refused> {
    waiters
        .all
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < limit).then_some(n + 1)
        })
        .map_err(|_| Refused::Full)?;
    let mut slot = Slot {
        waiters,
        caller: None,
    };
    if let (Some(caller), Some(most)) = (caller, per_caller) {
        let mut by = waiters.by_caller();
        let n = by.entry(caller.to_owned()).or_insert(0);
        if *n >= most {
            if *n == 0 {
                by.remove(caller);
            }
            // Counted out of `all` by the slot's drop.
            return Err(Refused::Quota(most));
        }
        *n += 1;
        slot.caller = Some(caller.to_owned());
    }
    Ok(slot)
}

/// Refusals of waits, logged at a bounded rate.
static FULL: Refusals = Refusals::new();
static OVER_QUOTA: Refusals = Refusals::new();

/// Waits (bounded) for the task to finish, as the result route does: a
/// refusal when too many wait already (`503`), or too many of the caller's
/// (`429`), a `503` when the shutdown of the app the request came into
/// begins meanwhile (or already has), so a long-poll never holds a
/// graceful shutdown.
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
    let slot = enter(
        &runner.inner.waiters,
        runner.max_waiters(),
        tasks.quota_key(),
        runner.quota().waiting,
    );
    let _slot = match slot {
        Ok(slot) => slot,
        Err(Refused::Full) => {
            FULL.log(|suppressed| {
                tracing::warn!(
                    max = runner.max_waiters(),
                    suppressed,
                    "task wait refused: too many requests are waiting"
                );
            });
            return Err(unavailable(
                "too many requests are waiting for tasks; try again shortly, or ask without `wait`",
                "1",
            ));
        }
        Err(Refused::Quota(most)) => {
            OVER_QUOTA.log(|suppressed| {
                tracing::warn!(
                    max = most,
                    suppressed,
                    "task wait refused: the caller has too many waits"
                );
            });
            return Err(over_quota(QuotaKind::Waiting, most));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_gets_its_share_and_the_bound_holds() {
        let waiters = Waiters::default();
        let a = enter(&waiters, 3, Some("a"), Some(1)).ok().unwrap();
        assert!(matches!(
            enter(&waiters, 3, Some("a"), Some(1)),
            Err(Refused::Quota(1))
        ));
        let _b = enter(&waiters, 3, Some("b"), Some(1)).ok().unwrap();
        let _anyone = enter(&waiters, 3, None, Some(1)).ok().unwrap();
        assert!(matches!(
            enter(&waiters, 3, Some("c"), Some(1)),
            Err(Refused::Full)
        ));
        assert_eq!(waiters.now(), 3);
        drop(a);
        assert_eq!(waiters.now(), 2);
        assert!(waiters.by_caller().get("a").is_none());
        assert!(enter(&waiters, 3, Some("a"), Some(1)).is_ok());
    }

    #[test]
    fn the_descriptor_limit_is_read() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \n\
                    Max processes             63457                63457                processes \n\
                    Max open files            1024                 524288               files     \n";
        assert_eq!(soft_open_files(text), Some(1024));
        let unlimited =
            "Max open files            unlimited            unlimited            files\n";
        assert_eq!(soft_open_files(unlimited), None);
        #[cfg(target_os = "linux")]
        assert!(fd_bound().is_some_and(|n| n > 0));
    }
}
