//! Talking to Redis with bounds: the connection manager configured from
//! [`RedisOptions`], a subscription that cannot hang, and one retry of a
//! command whose connection was found lost.

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, PubSub};

use super::RedisOptions;
use crate::tasks::StoreError;

pub(super) fn backend(e: redis::RedisError) -> StoreError {
    StoreError::unavailable(e)
}

/// The command connection: every command bounded by the response timeout,
/// every (re)connection attempt by the connect timeout.
pub(super) async fn manager(
    client: &redis::Client,
    options: &RedisOptions,
) -> Result<ConnectionManager, StoreError> {
    client
        .get_connection_manager_with_config(options.manager_config())
        .await
        .map_err(backend)
}

/// A subscription to `channel`, bounded by the connect and response
/// timeouts (a paused Redis accepts the TCP connection and never answers).
pub(super) async fn subscribe(
    client: &redis::Client,
    channel: &str,
    options: &RedisOptions,
) -> Result<PubSub, StoreError> {
    let bound = options.connect_timeout + options.response_timeout;
    let attempt = async {
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(channel).await?;
        Ok::<_, redis::RedisError>(pubsub)
    };
    match tokio::time::timeout(bound, attempt).await {
        Ok(Ok(pubsub)) => Ok(pubsub),
        Ok(Err(e)) => Err(backend(e)),
        Err(elapsed) => Err(StoreError::unavailable(elapsed)),
    }
}

/// Whether a failed command is worth sending once more: its connection was
/// lost (Redis restarted, a proxy closed it), and the manager is already
/// reconnecting. A timeout is not retried: Redis is slow or paused, and a
/// second wait would double the time the caller waits.
fn retry_worthy(e: &redis::RedisError) -> bool {
    !e.is_timeout() && (e.is_connection_dropped() || e.is_io_error())
}

/// Runs `command`, once more when its connection turned out to be lost, so
/// the first request after Redis restarts does not fail. Every command the
/// store sends is safe to repeat: scripts apply their rules to the record
/// as they find it (a repeated transition changes nothing), and the
/// creation pipeline writes the same values again.
pub(super) async fn with_retry<T, F, Fut>(mut command: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = redis::RedisResult<T>>,
{
    match command().await {
        Ok(value) => Ok(value),
        Err(e) if retry_worthy(&e) => command().await.map_err(backend),
        Err(e) => Err(backend(e)),
    }
}

/// Milliseconds for Redis (at least 1).
pub(super) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}
