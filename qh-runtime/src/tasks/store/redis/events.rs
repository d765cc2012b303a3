//! The events subscription of a `RedisTaskStore`, and reading records back
//! from their Redis hashes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::PubSub;
use tokio::sync::{broadcast, oneshot};

use super::connection::subscribe;
use super::RedisOptions;
use crate::id::RequestId;
use crate::support::chain::Chain;
use crate::tasks::store::record::from_seconds;
use crate::tasks::{StoreError, TaskRecord};

/// What this store's waiters and watches are told.
#[derive(Clone, Debug)]
pub(super) enum Event {
    /// The task with this exact ID changed (as published on the channel).
    Task(Arc<str>),
    /// The subscription was lost: any task may have changed, everyone looks
    /// again. Never sent by a publisher, so no ID can mean "everyone".
    Any,
}

impl Event {
    pub(super) fn is_about(&self, task_id: &str) -> bool {
        match self {
            Self::Task(id) => &**id == task_id,
            Self::Any => true,
        }
    }
}

/// Forwards the events channel to this store's waiters, resubscribing
/// (every second) when the connection is lost, until the store is dropped.
pub(super) async fn forward_events(
    client: redis::Client,
    channel: String,
    options: RedisOptions,
    first: PubSub,
    events: broadcast::Sender<Event>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut pubsub = Some(first);
    loop {
        if let Some(ps) = pubsub.take() {
            let mut messages = ps.into_on_message();
            loop {
                tokio::select! {
                    _ = &mut stopped => return,
                    message = messages.next() => match message {
                        Some(m) => {
                            if let Ok(id) = m.get_payload::<String>() {
                                let _ = events.send(Event::Task(Arc::from(id)));
                            }
                        }
                        None => break,
                    },
                }
            }
        }
        // Events may have been missed: everyone looks again.
        let _ = events.send(Event::Any);
        tokio::select! {
            _ = &mut stopped => return,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        match subscribe(&client, &channel, &options).await {
            Ok(ps) => pubsub = Some(ps),
            Err(e) => tracing::warn!(error = %Chain(&e), "task events: resubscribing failed"),
        }
    }
}

/// A record's hash as Redis returns it: field names and values as bytes, so
/// one value that is not UTF-8 spoils that field, not the whole answer.
pub(super) type RawRecord = Vec<(Vec<u8>, Vec<u8>)>;

/// The record stored under the key of `task_id`. The key's ID is the one
/// served (a `task_id` field that differs from it is ignored: the key is
/// where the record is read, cancelled and deleted). Bookkeeping fields
/// (`holder`, `lapsed`, `queued_at`, the keys it names) are not part of the
/// record; `owner` is (an empty one is none), and so are the invocation
/// (when a claim asked for it), the quota and idempotency keys.
pub(super) fn parse(task_id: &str, raw: RawRecord) -> Result<TaskRecord, StoreError> {
    let mut map: HashMap<String, String> = raw
        .into_iter()
        .filter_map(|(k, v)| Some((String::from_utf8(k).ok()?, String::from_utf8(v).ok()?)))
        .collect();
    let bad = |field: &'static str| StoreError::Malformed { field };
    let mut take = |k: &str| map.remove(k).filter(|v| !v.is_empty());
    let time = |v: Option<String>| v.and_then(|v| from_seconds(v.parse::<f64>().ok()?));
    let count = |v: Option<String>| v.and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
    let status = take("status")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("status"))?;
    Ok(TaskRecord {
        task_id: task_id.to_owned(),
        request_id: take("request_id").and_then(|id| RequestId::new(id).ok()),
        endpoint: take("endpoint").unwrap_or_default(),
        status,
        created_at: time(take("created_at")).ok_or_else(|| bad("created_at"))?,
        started_at: time(take("started_at")),
        completed_at: time(take("completed_at")),
        result: take("result")
            .map(|r| serde_json::from_str(&r))
            .transpose()
            .map_err(|_| bad("result"))?,
        error: take("error"),
        owner: take("owner"),
        attempt: count(take("attempt")),
        max_attempts: count(take("max_attempts")).max(1),
        handed_back: count(take("handed_back")),
        invocation: take("invocation")
            .map(|i| serde_json::from_str(&i))
            .transpose()
            .map_err(|_| bad("invocation"))?,
        quota_key: take("quota_key"),
        idempotency_key: take("idempotency_key"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::store::record::seconds;

    fn raw(fields: &[(&str, &str)]) -> RawRecord {
        fields
            .iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn the_key_names_the_task_and_garbage_is_malformed() {
        let ok = raw(&[
            ("task_id", "someone-else"),
            ("status", "running"),
            ("created_at", "12.5"),
            ("holder", "instance-a"),
        ]);
        let record = parse("t-1", ok).unwrap();
        assert_eq!(record.task_id, "t-1");
        assert_eq!(seconds(record.created_at), 12.5);
        for bad in [
            raw(&[("status", "running"), ("created_at", "notanumber")]),
            raw(&[("status", "running"), ("created_at", "inf")]),
            raw(&[("status", "weird"), ("created_at", "1")]),
            raw(&[
                ("status", "completed"),
                ("created_at", "1"),
                ("result", "{"),
            ]),
        ] {
            assert!(parse("t-1", bad).is_err());
        }
        let mut not_utf8 = raw(&[("created_at", "1")]);
        not_utf8.push((b"status".to_vec(), vec![0xff, 0xfe]));
        assert!(parse("t-1", not_utf8).is_err());
    }
}
