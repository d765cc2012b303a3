//! Submitting work as tasks: recording each in the store (against the
//! caller's quota and idempotency key) and spawning its attempts with the
//! submitting request's context.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};

use serde::Serialize;

use super::{lock, Runner, Running};
use crate::context::shutdown::{LeftBehind, Shutdown};
use crate::context::Context;
use crate::tasks::attempts::{self, Task};
use crate::tasks::caller::Submission;
use crate::tasks::error::outcome_of;
use crate::tasks::owner::Caller;
use crate::tasks::replay::{Replay, Work};
use crate::tasks::store::Admitted;
use crate::tasks::{CallerTasks, SubmitError, Submitted, TaskOutcome, TaskRecord};
#[cfg(doc)]
use crate::tasks::{RunnerBuilder, StoreError};

impl Runner {
    /// Records a task for the function `endpoint` and runs `work` in the
    /// background: pending → running → completed (the `Ok` value as JSON) or
    /// failed (the `Err` message, or the panic message).
    ///
    /// The task runs with a copy of the current request's context, so
    /// [`request_id`](crate::request_id) and its log lines carry the
    /// submitting request's ID; its `task` span (fields `task_id`,
    /// `endpoint`, `request_id`, `attempt`) follows from the request's
    /// span. It counts toward the request's
    /// [`Shutdown`](crate::background::Shutdown), if it has one (else the
    /// runner's, [`RunnerBuilder::shutdown`]).
    ///
    /// Submitted through the runner itself, the task has no
    /// [owner](TaskRecord::owner) and counts against no
    /// [quota](RunnerBuilder::quota): with an owner hook, no one can see it
    /// (inside a request that is logged at WARN, as a request's
    /// [`CallerTasks`] was most likely meant). Submit through
    /// [`CallerTasks::submit`] to record the caller as its owner. A future
    /// cannot be run again: if its instance is lost, the task fails.
    ///
    /// # Errors
    ///
    /// When the store cannot record the task (e.g. [`StoreError::Full`]);
    /// the work is then never run.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub async fn submit<F, T, E>(&self, endpoint: &str, work: F) -> Result<Submitted, SubmitError>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Serialize,
        E: std::fmt::Display,
    {
        self.submit_json(endpoint, async move { outcome_of(work.await) })
            .await
    }

    /// [`submit`](Self::submit) for work that already produces a
    /// [`TaskOutcome`](crate::tasks::TaskOutcome).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let runner = qh::tasks::Runner::default();
    /// let s = runner.submit_json("ping", async { Ok(serde_json::json!("pong")) }).await.unwrap();
    /// assert_eq!(s.status, "submitted");
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`submit`](Self::submit).
    pub async fn submit_json<F>(&self, endpoint: &str, work: F) -> Result<Submitted, SubmitError>
    where
        F: Future<Output = TaskOutcome> + Send + 'static,
    {
        let submission = Submission {
            owner: Caller::NotAsked
                .submission_owner(self.owner().is_some(), Context::current().is_some())?,
            quota_key: None,
            idempotency_key: None,
        };
        self.submit_record(submission, endpoint, Box::pin(work), None)
            .await
    }

    /// Submits `work` for the caller of `tasks` (see
    /// [`submit`](Self::submit)), with `replay` when it can run again.
    pub(in crate::tasks) async fn submit_as(
        &self,
        tasks: &CallerTasks,
        endpoint: &str,
        work: Work,
        replay: Option<Replay>,
    ) -> Result<Submitted, SubmitError> {
        let submission = tasks.submission(Context::current().is_some())?;
        self.submit_record(submission, endpoint, work, replay).await
    }

    async fn submit_record(
        &self,
        submission: Submission,
        endpoint: &str,
        work: Work,
        replay: Option<Replay>,
    ) -> Result<Submitted, SubmitError> {
        self.sweep_from_now();
        let ctx = Context::current();
        let request_id = ctx.as_ref().map(|c| c.id().clone());
        let task_id = uuid::Uuid::new_v4().to_string();
        let mut record = TaskRecord::pending(task_id.clone(), request_id.clone(), endpoint)
            .owned_by(submission.owner);
        record.max_attempts = self.max_attempts();
        record.quota_key = submission.quota_key;
        record.idempotency_key = submission.idempotency_key;
        if let Some(invocation) = replay.as_ref().and_then(|r| r.invocation.as_ref()) {
            self.check_registered(invocation.route());
            record.invocation = Some(invocation.clone());
        }
        let rerunnable = record.invocation.is_some();
        match self.store().admit(record, self.quota().limits()).await? {
            Admitted::Created => crate::context::meter::tasks::submitted(endpoint),
            Admitted::Existing(first) => {
                return Ok(Submitted::new(first.task_id, first.request_id))
            }
            Admitted::KeyReused => return Err(SubmitError::KeyReused),
            Admitted::OverQuota(quota) => {
                let limit = self.quota().of(quota).unwrap_or(0);
                return Err(SubmitError::OverQuota { quota, limit });
            }
        }

        // Counted from submission, so a drain right after it waits for it;
        // the runner is told when that drain gives up.
        let shutdown = ctx
            .as_ref()
            .and_then(Context::shutdown)
            .or(self.inner.config.shutdown.as_ref())
            .cloned();
        let task = Task {
            runner: self.clone(),
            id: task_id.clone(),
            endpoint: endpoint.to_owned(),
            request_id: request_id.clone(),
            rerunnable,
            retries: replay.as_ref().map_or(0, |r| r.retries),
            handed_back: 0,
            replay,
            origin: tracing::Span::current(),
        };
        self.spawn(task, Some((work, ctx.clone())), None, shutdown, ctx);
        Ok(Submitted::new(task_id, request_id))
    }

    /// Runs `task` in the background: `first` its first attempt's work
    /// (else made from its replay), `claimed` the attempt a sweep started.
    pub(super) fn spawn(
        &self,
        task: Task,
        first: Option<(Work, Option<Context>)>,
        claimed: Option<u32>,
        shutdown: Option<Shutdown>,
        ctx: Option<Context>,
    ) {
        if let Some(shutdown) = &shutdown {
            let weak: Weak<dyn LeftBehind> = Arc::downgrade(&self.inner) as _;
            shutdown.on_drain_timeout(weak);
        }
        let counted = shutdown.as_ref().map(Shutdown::track);
        let id = task.id.clone();
        let rerunnable = task.rerunnable;
        let run = attempts::drive(task, first, claimed, counted);
        let run: Pin<Box<dyn Future<Output = ()> + Send>> = match ctx {
            Some(ctx) => Box::pin(ctx.scope(run)),
            None => Box::pin(run),
        };
        // Locked across the spawn: the task removes itself from the map when
        // done, which must not happen before it was added.
        let mut running = self.running();
        let handle = tokio::spawn(run);
        running.insert(
            id,
            Running {
                handle: handle.abort_handle(),
                shutdown,
                rerunnable,
            },
        );
    }

    /// Says once per endpoint when a task endpoint submits through a
    /// runner on a shared store that it is not registered with: no
    /// instance with this configuration would take its tasks over.
    fn check_registered(&self, route: &str) {
        if self.store().sweep_every().is_none() || self.inner.config.endpoints.contains_key(route) {
            return;
        }
        if lock(&self.inner.unregistered).insert(route.to_owned()) {
            tracing::warn!(
                route,
                "task endpoint not registered with the runner (`RunnerBuilder::endpoint`): \
                 this instance will not take its tasks over from lost instances"
            );
        }
    }
}
