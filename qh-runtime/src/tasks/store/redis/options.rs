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
    pub(super) response_timeout: Duration,
    pub(super) connect_timeout: Duration,
    pub(super) reconnect_retries: usize,
    pub(super) reconnect_max_delay: Duration,
}

impl Default for RedisOptions {
    /// Prefix `qh:tasks`, records kept one hour after completion, 15 s
    /// leases, waits re-read every second, 100 000 index entries; each
    /// command answered within 2 s, each connection attempt within 1 s, a
    /// lost connection re-established in one attempt (no backoff: the
    /// command that found it lost is itself sent once more).
    fn default() -> Self {
        Self {
            prefix: "qh:tasks".to_owned(),
            ttl: Duration::from_secs(3600),
            lease: Duration::from_secs(15),
            poll: Duration::from_secs(1),
            index_cap: 100_000,
            response_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(1),
            reconnect_retries: 0,
            reconnect_max_delay: Duration::from_millis(200),
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
    /// instance renews the lease every third of it. A lease past its end
    /// gets as long again in grace (its instance may only be cut off from
    /// Redis, and renews when it can); then its instance is lost, and the
    /// task is taken over by an instance serving its endpoint (a sweep runs
    /// every third of a lease) or, when it cannot run again, failed. A lost
    /// instance's task thus runs again within about two and a half leases.
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

    /// How long one command may wait for Redis's answer before it fails
    /// (the route answers 503 with `Retry-After`); a paused or overloaded
    /// Redis then costs a request at most this long.
    #[must_use]
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long one attempt to (re)connect may take.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How a lost connection is re-established: `retries` more attempts
    /// after the first, at most `max_delay` apart (plus up to a second of
    /// jitter: redis-rs's backoff adds it). Reconnection starts with the
    /// command that finds the connection lost, and commands wait for it, so
    /// keep it short: the default is no retry (while Redis is down each
    /// request fails at once, and the first one after it is back
    /// reconnects).
    #[must_use]
    pub fn reconnect(mut self, retries: usize, max_delay: Duration) -> Self {
        self.reconnect_retries = retries;
        self.reconnect_max_delay = max_delay;
        self
    }

    /// The connection manager's settings these options give.
    pub(super) fn manager_config(&self) -> redis::aio::ConnectionManagerConfig {
        let max_delay = u64::try_from(self.reconnect_max_delay.as_millis()).unwrap_or(u64::MAX);
        redis::aio::ConnectionManagerConfig::new()
            .set_response_timeout(self.response_timeout)
            .set_connection_timeout(self.connect_timeout)
            .set_number_of_retries(self.reconnect_retries)
            // redis-rs hands these to `backon`, whose delays are 1 s ×
            // factor^attempt: its default factor (100) with a 60 s cap made
            // a lost connection take minutes to come back. Doubling, capped
            // at our short maximum, makes every delay that maximum.
            .set_factor(2)
            .set_max_delay(max_delay.max(1))
    }
}
