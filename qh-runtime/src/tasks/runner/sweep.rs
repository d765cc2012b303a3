//! The sweep of a shared store: finding tasks lost with their instance and
//! taking over those of the endpoints registered here.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::{Inner, Runner};
use crate::context::shutdown::Shutdown;
use crate::support::chain::Chain;
use crate::tasks::attempts::Task;
use crate::tasks::replay::Replay;
use crate::tasks::TaskRecord;

impl Runner {
    /// Starts sweeping a shared store for lost tasks, once, if a tokio
    /// runtime runs here.
    pub(super) fn sweep_from_now(&self) {
        let Some(every) = self.store().sweep_every() else {
            return;
        };
        if self.inner.sweeping.load(Ordering::Acquire) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.inner.sweeping.swap(true, Ordering::AcqRel) {
            return;
        }
        handle.spawn(sweep(Arc::downgrade(&self.inner), every));
    }
}

/// How many lost tasks one sweep claims at most.
const CLAIMS_PER_SWEEP: usize = 32;

/// Sweeps the runner's shared store every `every` while the runner lives:
/// takes over the lost tasks of its registered endpoints (until its
/// shutdown begins), and lets the store fail those that cannot run again.
async fn sweep(runner: Weak<Inner>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(inner) = runner.upgrade() else {
            return;
        };
        let runner = Runner { inner };
        let config = &runner.inner.config;
        let stopping = config.shutdown.as_ref().is_some_and(Shutdown::begun);
        let routes: Vec<String> = if stopping {
            Vec::new()
        } else {
            config.endpoints.keys().cloned().collect()
        };
        match runner.store().sweep(&routes, CLAIMS_PER_SWEEP).await {
            Ok(sweep) => {
                for record in sweep.claimed {
                    runner.take_over(record);
                }
            }
            Err(e) => tracing::warn!(error = %Chain(&e), "task sweep failed"),
        }
    }
}

impl Runner {
    /// Runs a task a sweep claimed from a lost instance.
    fn take_over(&self, record: TaskRecord) {
        let registered = record
            .invocation
            .as_ref()
            .and_then(|i| self.inner.config.endpoints.get(i.route()));
        let (Some(invocation), Some(registered)) = (record.invocation.clone(), registered) else {
            return;
        };
        let ctx = record.request_id.clone().map(|id| invocation.context(id));
        let replay = Replay::stored(invocation, registered);
        let task = Task {
            runner: self.clone(),
            id: record.task_id,
            endpoint: record.endpoint,
            request_id: record.request_id,
            rerunnable: true,
            retries: replay.retries,
            handed_back: record.handed_back,
            replay: Some(replay),
            origin: tracing::Span::none(),
        };
        let shutdown = self.inner.config.shutdown.clone();
        self.spawn(task, None, Some(record.attempt), shutdown, ctx);
    }
}
