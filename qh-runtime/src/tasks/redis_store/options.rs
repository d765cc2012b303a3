//! [`RedisOptions`]: keys, lifetimes and leases of a `RedisTaskStore`.

use std::time::Duration;

/// Settings of a [`RedisTaskStore`](super::RedisTaskStore).
///
/// ```
/// use std::time::Duration;
/// let options = qh::tasks::RedisOptions::default()
///     .prefix("billing:tasks")
///     .lease(Duration::from_secs(10));
/// ```
#[derive(Clone, Debug)]
pub struct RedisOptions {
    pub(super) prefix: String,
    pub(super) ttl: Duration,
    pub(super) lease: Duration,
    pub(super) poll: Duration,
    pub(super) index_cap: usize,
}

impl Default for RedisOptions {
    /// Prefix `qh:tasks`, records kept one hour after completion, 30 s
    /// leases, waits re-read every second, 100 000 index entries.
    fn default() -> Self {
        Self {
            prefix: "qh:tasks".to_owned(),
            ttl: Duration::from_secs(3600),
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(1),
            index_cap: 100_000,
        }
    }
}

impl RedisOptions {
    /// The prefix of every key and of the events channel.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a finished record is kept (also the longest an unfinished
    /// record survives without its instance renewing it).
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(Duration::from_millis(1));
        self
    }

    /// How long an unfinished task survives its instance: the running
    /// instance renews the lease every third of it; once expired, the next
    /// read marks the task failed.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(30));
        self
    }

    /// How often a `wait` re-reads the record when no event arrives (covers
    /// a lost subscription, and notices expired leases).
    #[must_use]
    pub fn poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll.max(Duration::from_millis(10));
        self
    }

    /// How many task IDs the listing index keeps (newest first).
    #[must_use]
    pub fn index_cap(mut self, cap: usize) -> Self {
        self.index_cap = cap.max(1);
        self
    }
}
