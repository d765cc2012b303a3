//! A task's life on the instance running it: its attempts, one after the
//! other, each in a `task` span of its own; a failed one run again after a
//! pause when the endpoint has retries left; the outcome recorded; and,
//! when the task must stop (cancelled, deleted, taken over), the reason
//! said.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::Instrument;

use super::replay::{Replay, Work};
use super::{Runner, TaskError, TaskStatus, TaskStore, Transition};
use crate::context::shutdown::Guard;
use crate::context::Context;
use crate::id::RequestId;
use crate::support::chain::Chain;
use crate::support::unwind::catch_message;

/// A task this instance runs.
pub(super) struct Task {
    pub(super) runner: Runner,
    pub(super) id: String,
    pub(super) endpoint: String,
    pub(super) request_id: Option<RequestId>,
    /// How to make another attempt's work (`None`: submitted as a future).
    pub(super) replay: Option<Replay>,
    pub(super) rerunnable: bool,
    /// The endpoint's `retries`.
    pub(super) retries: u32,
    /// How many of its starts were handed back at shutdown before this
    /// instance ran it (they do not count).
    pub(super) handed_back: u32,
    /// The submitting request's span, that each attempt follows from (none
    /// for a task taken over from another instance: its trace comes with
    /// its stored invocation).
    pub(super) origin: tracing::Span,
}

/// What an attempt left to do.
enum Next {
    Done,
    /// It failed and runs again after this pause.
    Again(Duration),
}

/// Runs `task` to its end: `first` is its first attempt's work (from the
/// submitting request), `claimed` the attempt a sweep started on this
/// instance (the task already running), else the task is started here.
pub(super) async fn drive(
    task: Task,
    first: Option<(Work, Option<Context>)>,
    claimed: Option<u32>,
    counted: Option<Guard>,
) {
    let _counted = counted;
    let store = Arc::clone(task.runner.store());
    let mut attempt = match claimed {
        Some(attempt) => {
            task.span(attempt).in_scope(|| {
                tracing::warn!("task taken over from a lost instance: it runs again here");
            });
            attempt
        }
        None => match task.start(&*store).await {
            Some(attempt) => attempt,
            None => {
                task.runner.running().remove(&task.id);
                return;
            }
        },
    };
    let mut stop = store.watch(&task.id);
    let mut work = first;
    loop {
        let span = task.span(attempt);
        let next = task
            .attempt(&*store, attempt, work.take(), &mut stop)
            .instrument(span.clone())
            .await;
        let Next::Again(pause) = next else {
            break;
        };
        let resumed = tokio::select! {
            () = tokio::time::sleep(pause) => true,
            () = &mut stop => false,
        };
        if !resumed {
            task.stopped(&*store, attempt).instrument(span).await;
            break;
        }
        match task.start(&*store).instrument(span).await {
            Some(next) => attempt = next,
            None => break,
        }
    }
    task.runner.running().remove(&task.id);
}

impl Task {
    /// The `task` span of one attempt.
    fn span(&self, attempt: u32) -> tracing::Span {
        let span = tracing::info_span!(
            parent: None,
            "task",
            task_id = %self.id,
            endpoint = %self.endpoint,
            request_id = tracing::field::Empty,
            attempt,
        );
        if let Some(id) = &self.request_id {
            span.record("request_id", id.as_str());
        }
        span.follows_from(&self.origin);
        span
    }

    /// Starts the next attempt (pending → running); its number, or `None`
    /// when the task is not to run (cancelled or deleted meanwhile, or the
    /// store failed).
    async fn start(&self, store: &dyn TaskStore) -> Option<u32> {
        match store.transition(&self.id, Transition::Start).await {
            Ok(Some(record)) if record.status == TaskStatus::Running => Some(record.attempt),
            // Cancelled or deleted before it started: nothing to run.
            Ok(_) => None,
            Err(e) => {
                tracing::error!(task_id = %self.id, error = %Chain(&e),
                    "task not started: the store failed");
                None
            }
        }
    }

    /// Runs attempt `attempt` (its work `first`, else made again), and
    /// records what it came to.
    async fn attempt(
        &self,
        store: &dyn TaskStore,
        attempt: u32,
        first: Option<(Work, Option<Context>)>,
        stop: &mut super::BoxFuture<'static, ()>,
    ) -> Next {
        let made = match (first, &self.replay) {
            (Some(work), _) => Ok(work),
            (None, Some(replay)) => replay.work(&self.runner, self.request_id.as_ref()).await,
            (None, None) => Err("it was submitted as a future, which cannot run again".to_owned()),
        };
        let (work, ctx) = match made {
            Ok(made) => made,
            Err(reason) => {
                let error = format!("the task cannot run again: {reason}");
                tracing::error!(error = %error, attempt, "task failed");
                super::outcome::record(store, &self.id, Transition::Fail(error)).await;
                return Next::Done;
            }
        };
        let timer = crate::context::meter::tasks::started(&self.endpoint);
        let run = catch_message(work);
        let outcome = match ctx {
            Some(ctx) => {
                tokio::select! {
                    outcome = ctx.scope(run) => Some(outcome),
                    () = &mut *stop => None,
                }
            }
            None => {
                tokio::select! {
                    outcome = run => Some(outcome),
                    () = &mut *stop => None,
                }
            }
        };
        let (error, panicked) = match outcome {
            None => {
                self.stopped(store, attempt).await;
                return Next::Done;
            }
            Some(Ok(Ok(value))) => {
                timer.ended(true);
                super::outcome::record(store, &self.id, Transition::Complete(value)).await;
                return Next::Done;
            }
            Some(Ok(Err(error))) => (error.to_string(), false),
            Some(Err(panic)) => (TaskError::Panicked(panic).to_string(), true),
        };
        timer.ended(false);
        let used = attempt.saturating_sub(self.handed_back);
        let most = self.runner.max_attempts();
        if self.replay.is_some() && used <= self.retries && used < most {
            match store
                .transition(&self.id, Transition::Retry(error.clone()))
                .await
            {
                Ok(Some(record)) if record.status == TaskStatus::Pending => {
                    let pause = self.pause(used);
                    tracing::warn!(
                        error = %error,
                        attempt,
                        retries = self.retries,
                        pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                        "task attempt failed: it runs again after a pause"
                    );
                    return Next::Again(pause);
                }
                // Cancelled, deleted or taken over meanwhile: not ours.
                Ok(_) => return Next::Done,
                Err(e) => {
                    tracing::warn!(error = %Chain(&e), "task retry not recorded: it fails");
                }
            }
        }
        if panicked {
            tracing::error!(panic = %error, attempt, "task panicked");
        } else {
            tracing::error!(error = %error, attempt, "task failed");
        }
        super::outcome::record(store, &self.id, Transition::Fail(error)).await;
        Next::Done
    }

    /// The pause before the attempt after `attempt`: the backoff's first
    /// pause doubled for each attempt past the first, at most its longest,
    /// then between half of that and all of it, at random.
    fn pause(&self, attempt: u32) -> Duration {
        let (first, most) = self.runner.backoff();
        let doubled = first.saturating_mul(1 << attempt.saturating_sub(1).min(20));
        let full = doubled.min(most);
        let jitter = random_unit(&self.id, attempt);
        full.div_f64(2.0) + full.div_f64(2.0).mul_f64(jitter)
    }

    /// Says why the task stopped before its end: it can no longer log it.
    async fn stopped(&self, store: &dyn TaskStore, attempt: u32) {
        match store.get(&self.id).await {
            Ok(None) => tracing::warn!(
                attempt,
                "task stopped: its record is gone (deleted elsewhere, or the store lost its data)"
            ),
            Ok(Some(record)) if record.status == TaskStatus::Cancelled => {
                tracing::info!(attempt, "task stopped: cancelled");
            }
            Ok(Some(record)) if record.status.is_finished() => tracing::warn!(
                attempt,
                status = record.status.as_str(),
                "task stopped: it was finished elsewhere (its lease had lapsed)"
            ),
            Ok(Some(record)) => tracing::warn!(
                attempt,
                now_attempt = record.attempt,
                "task stopped: another instance took it over (this one had lost its lease)"
            ),
            Err(e) => tracing::warn!(attempt, error = %Chain(&e),
                "task stopped: the store said to (its record cannot be read now)"),
        }
    }
}

/// A number in `[0, 1)` for the jitter of a pause: no need for a random
/// generator's quality, only that tasks failing together differ.
fn random_unit(task_id: &str, attempt: u32) -> f64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut x = u64::from(nanos) ^ (u64::from(attempt) << 32);
    for b in task_id.bytes() {
        x = (x ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    // splitmix64's finalizer.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    #[allow(clippy::cast_precision_loss)]
    let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
    unit
}

#[cfg(test)]
mod tests {
    use super::random_unit;

    #[test]
    fn jitter_stays_in_the_unit_interval_and_differs_between_tasks() {
        let a = random_unit("a", 1);
        let b = random_unit("b", 1);
        assert!((0.0..1.0).contains(&a) && (0.0..1.0).contains(&b));
        assert_ne!(a, b);
    }
}
