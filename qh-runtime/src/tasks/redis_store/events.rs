//! The events subscription of a `RedisTaskStore`, and reading records back
//! from their Redis hashes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::PubSub;
use tokio::sync::{broadcast, oneshot};

use super::ANY;
use crate::tasks::{StoreError, TaskRecord};
use crate::RequestId;

pub(super) async fn subscribe(client: &redis::Client, channel: &str) -> redis::RedisResult<PubSub> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}

/// Forwards the events channel to this store's waiters, resubscribing
/// (every second) when the connection is lost, until the store is dropped.
pub(super) async fn forward_events(
    client: redis::Client,
    channel: String,
    first: PubSub,
    events: broadcast::Sender<Arc<str>>,
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
                                let _ = events.send(Arc::from(id));
                            }
                        }
                        None => break,
                    },
                }
            }
        }
        // Events may have been missed: everyone looks again.
        let _ = events.send(Arc::from(ANY));
        tokio::select! {
            _ = &mut stopped => return,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        match subscribe(&client, &channel).await {
            Ok(ps) => pubsub = Some(ps),
            Err(e) => tracing::warn!(error = %e, "task events: resubscribing failed"),
        }
    }
}

pub(super) fn parse(mut map: HashMap<String, String>) -> Result<TaskRecord, StoreError> {
    let bad = |what: &str| StoreError::Backend(format!("malformed task record: {what}"));
    let mut take = |k: &str| map.remove(k).filter(|v| !v.is_empty());
    let time = |v: Option<String>| v.and_then(|v| v.parse::<f64>().ok());
    let status = take("status")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("status"))?;
    Ok(TaskRecord {
        task_id: take("task_id").ok_or_else(|| bad("task_id"))?,
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
    })
}
