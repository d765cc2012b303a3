//! The end of a task's life as its runner sees it: recording its outcome
//! (retried through a store outage, never dropped silently), the line a
//! deletion leaves, and what a runner does with the tasks still running
//! when a drain gives up on them (hands them back, or records them
//! abandoned).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::Instant;

use super::{TaskRecord, TaskStatus, TaskStore, Transition};
use crate::support::chain::Chain;

/// How long a finished task keeps trying to record its outcome while the
/// store fails (a Redis outage): longer than the default lease, so a result
/// survives an outage its lease does not.
const RECORD_FOR: Duration = Duration::from_secs(60);
/// The longest pause between two attempts.
const MOST_BETWEEN: Duration = Duration::from_secs(2);

/// What a drain that timed out writes into the records it gives up on.
pub(crate) const ABANDONED: &str =
    "the server shut down before the task finished (graceful shutdown timed out)";

/// Records `to` (a completion or failure) for `task_id`, retrying store
/// failures (100 ms, doubling, at most 2 s apart, for at most a minute).
/// Every way the outcome can be lost ends in an ERROR line naming the task:
/// the store kept failing, the record is gone, or it had already finished
/// otherwise (cancelled meanwhile, or failed by someone else).
pub(super) async fn record(store: &dyn TaskStore, task_id: &str, to: Transition) {
    let wanted = match &to {
        Transition::Complete(_) => TaskStatus::Completed,
        _ => TaskStatus::Failed,
    };
    let give_up = Instant::now() + RECORD_FOR;
    let mut pause = Duration::from_millis(100);
    let written = loop {
        match store.transition(task_id, to.clone()).await {
            Ok(written) => break written,
            Err(e) if Instant::now() + pause < give_up => {
                tracing::warn!(task_id, error = %Chain(&e), "task outcome not recorded yet; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(MOST_BETWEEN);
            }
            Err(e) => {
                tracing::error!(task_id, error = %Chain(&e), outcome = wanted.as_str(),
                    "task outcome lost: the store kept failing");
                return;
            }
        }
    };
    check_kept(task_id, wanted, written.as_ref());
}

/// Says when the record does not hold the outcome just written: ERROR when
/// it is lost (the record gone), WARN when the task had already finished
/// otherwise (cancelled, failed when its lease lapsed, or finished by
/// another attempt: a terminal answer never changes).
fn check_kept(task_id: &str, wanted: TaskStatus, written: Option<&TaskRecord>) {
    match written {
        None => tracing::error!(
            task_id,
            outcome = wanted.as_str(),
            "task outcome lost: its record is gone (deleted or expired)"
        ),
        Some(r) if r.status != wanted => tracing::warn!(
            task_id,
            outcome = wanted.as_str(),
            status = r.status.as_str(),
            "task outcome discarded: the task had already finished"
        ),
        Some(_) => {}
    }
}

/// Logs a deletion (INFO, `task deleted`): the task it stopped cannot.
/// `record` is the task's as the cancellation left it; `removed`, whether a
/// record was removed. An unknown task's deletion logs nothing.
pub(super) fn deleted(task_id: &str, record: Option<&TaskRecord>, removed: bool) {
    match record {
        Some(record) => tracing::info!(
            task_id,
            endpoint = %record.endpoint,
            status = record.status.as_str(),
            task_request_id = record.request_id.as_ref().map(crate::id::RequestId::as_str),
            "task deleted"
        ),
        None if removed => tracing::info!(task_id, "task deleted"),
        None => {}
    }
}

/// Records the tasks of one runner that a drain gave up on (already
/// stopped): handed back for another instance when the store is `shared`
/// and the task can run again (`(task_id, rerunnable)`), else abandoned
/// (cancelled, with the reason). Each logged at WARN with its ID.
pub(super) fn abandon<'a>(
    store: &'a dyn TaskStore,
    stopped: Vec<(String, bool)>,
    shared: bool,
) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
    Box::pin(async move {
        for (task_id, rerunnable) in stopped {
            if shared && rerunnable {
                match store.transition(&task_id, Transition::HandBack).await {
                    Ok(Some(r)) if r.status == TaskStatus::Pending => {
                        tracing::warn!(
                            task_id,
                            attempt = r.attempt,
                            "task handed back at shutdown: another instance runs it again"
                        );
                        continue;
                    }
                    Ok(_) => continue,
                    // Not recorded: its lease lapses, and another instance
                    // takes it over then.
                    Err(e) => {
                        tracing::error!(task_id, error = %Chain(&e),
                            "task not handed back at shutdown: the store failed (it is taken over when its lease lapses)");
                        continue;
                    }
                }
            }
            match store
                .transition(&task_id, Transition::Abandon(ABANDONED.to_owned()))
                .await
            {
                Ok(_) => {
                    tracing::warn!(task_id, "task abandoned at shutdown: recorded as cancelled")
                }
                Err(e) => tracing::error!(task_id, error = %Chain(&e),
                    "task abandoned at shutdown; the store failed to record it"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::tasks::store::BoxFuture;
    use crate::tasks::{ListFilter, MemoryTaskStore, StoreError};

    /// A memory store whose first `failures` transitions fail (an outage).
    struct Flaky {
        store: MemoryTaskStore,
        failures: AtomicUsize,
    }

    impl TaskStore for Flaky {
        fn create(&self, r: TaskRecord) -> BoxFuture<'_, Result<(), StoreError>> {
            self.store.create(r)
        }
        fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
            self.store.get(id)
        }
        fn transition<'a>(
            &'a self,
            id: &'a str,
            to: Transition,
        ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
            let failing = self
                .failures
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                .is_ok();
            if failing {
                return Box::pin(async { Err(StoreError::unavailable("down")) });
            }
            self.store.transition(id, to)
        }
        fn list<'a>(
            &'a self,
            f: &'a ListFilter,
        ) -> BoxFuture<'a, Result<Vec<TaskRecord>, StoreError>> {
            self.store.list(f)
        }
        fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
            self.store.delete(id)
        }
        fn wait<'a>(
            &'a self,
            id: &'a str,
            t: Duration,
        ) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
            self.store.wait(id, t)
        }
        fn watch(&self, id: &str) -> BoxFuture<'static, ()> {
            self.store.watch(id)
        }
    }

    #[tokio::test]
    async fn an_outcome_is_recorded_once_the_store_is_back() {
        let flaky = Flaky {
            store: MemoryTaskStore::new(),
            failures: AtomicUsize::new(0),
        };
        flaky
            .create(TaskRecord::pending("t", None, "f"))
            .await
            .unwrap();
        flaky.transition("t", Transition::Start).await.unwrap();
        flaky.failures.store(3, Ordering::Release);
        record(&flaky, "t", Transition::Complete(serde_json::json!(3))).await;
        let kept = flaky.get("t").await.unwrap().unwrap();
        assert_eq!(kept.status, TaskStatus::Completed);
        assert_eq!(kept.result, Some(serde_json::json!(3)));
        assert_eq!(flaky.failures.load(Ordering::Acquire), 0);
    }
}
