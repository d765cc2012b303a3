//! [`Quota`]: how much of a runner one caller may take, and who a caller
//! is for it (its owner, or its peer address).

use std::fmt;

use super::store::Limits;

/// How much of a runner one caller may hold at once, so that no client
/// takes all of it: unfinished tasks, kept records and `?wait=true` long
/// polls. A caller is the owner the runner's
/// [owner hook](crate::tasks::RunnerBuilder::owner) names, or, for a
/// request without one, its peer's IP address (axum's
/// `ConnectInfo<SocketAddr>`: serve with
/// `into_make_service_with_connect_info`; requests without connection
/// info, behind a proxy say, share one count: name callers with an owner
/// hook there). Work the app submits through the [`Runner`](crate::tasks::Runner)
/// itself counts against no one.
///
/// Over a bound, a submission or a wait is answered `429` problem+json
/// with `Retry-After` (and logged at a bounded rate). At the `kept` bound a
/// new record first evicts the caller's own oldest finished record: a store
/// never evicts another caller's records to make room.
///
/// The defaults: 1,000 unfinished tasks, 1,000 kept records and 64 waits
/// per caller.
///
/// ```
/// use qh::tasks::{Quota, Runner};
///
/// let runner = Runner::builder()
///     .quota(Quota::default().running(10).kept(100).waiting(4))
///     .build();
/// assert_eq!(runner.quota().running, Some(10));
/// let unbounded = Quota::unbounded();
/// assert_eq!(unbounded.waiting, None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Quota {
    /// The most unfinished (pending or running) tasks per caller.
    pub running: Option<usize>,
    /// The most records kept per caller, finished or not.
    pub kept: Option<usize>,
    /// The most `?wait=true` requests waiting at once per caller, on this
    /// instance.
    pub waiting: Option<usize>,
}

impl Default for Quota {
    fn default() -> Self {
        Self {
            running: Some(1000),
            kept: Some(1000),
            waiting: Some(64),
        }
    }
}

impl Quota {
    /// No bound at all (the runner's store and waiter bounds still apply).
    #[must_use]
    pub fn unbounded() -> Self {
        Self {
            running: None,
            kept: None,
            waiting: None,
        }
    }

    /// At most `n` unfinished tasks per caller.
    #[must_use]
    pub fn running(mut self, n: usize) -> Self {
        self.running = Some(n);
        self
    }

    /// At most `n` records kept per caller (at least 1).
    #[must_use]
    pub fn kept(mut self, n: usize) -> Self {
        self.kept = Some(n.max(1));
        self
    }

    /// At most `n` long polls waiting at once per caller.
    #[must_use]
    pub fn waiting(mut self, n: usize) -> Self {
        self.waiting = Some(n);
        self
    }

    /// The bounds the store applies.
    pub(crate) fn limits(&self) -> Limits {
        Limits {
            running: self.running,
            kept: self.kept,
        }
    }

    /// The bound of `kind`.
    pub(crate) fn of(&self, kind: QuotaKind) -> Option<usize> {
        match kind {
            QuotaKind::Running => self.running,
            QuotaKind::Kept => self.kept,
            QuotaKind::Waiting => self.waiting,
        }
    }
}

/// Which of a [`Quota`]'s bounds refused.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use qh::tasks::{Admitted, Limits, MemoryTaskStore, QuotaKind, TaskRecord, TaskStore};
///
/// let store = MemoryTaskStore::new();
/// let limits = Limits::new().running(1);
/// for task_id in ["t-1", "t-2"] {
///     let mut record = TaskRecord::pending(task_id, None, "resize");
///     record.quota_key = Some("ada".into());
///     if let Admitted::OverQuota(kind) = store.admit(record, limits).await.unwrap() {
///         assert_eq!(kind, QuotaKind::Running);
///         assert_eq!(kind.as_str(), "running"); // as the 429 answer names it
///     }
/// }
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QuotaKind {
    /// Too many unfinished tasks.
    Running,
    /// Too many kept records, all unfinished.
    Kept,
    /// Too many waits.
    Waiting,
}

impl QuotaKind {
    /// `running`, `kept` or `waiting`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Kept => "kept",
            Self::Waiting => "waiting",
        }
    }
}

impl fmt::Display for QuotaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a request counts against: `owner:{owner}`, else `peer:{ip}` (the
/// port changes with every connection), else `peer:unknown`.
pub(crate) fn key_of(owner: Option<&str>, parts: &http::request::Parts) -> String {
    if let Some(owner) = owner {
        return format!("owner:{owner}");
    }
    match crate::tracking::trust::peer(&parts.extensions) {
        Some(peer) => format!("peer:{}", peer.ip()),
        None => "peer:unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use axum::extract::ConnectInfo;

    use super::*;

    #[test]
    fn owners_and_peers_never_share_a_key() {
        let (mut parts, ()) = http::Request::new(()).into_parts();
        assert_eq!(key_of(None, &parts), "peer:unknown");
        parts
            .extensions
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 7], 41234))));
        assert_eq!(key_of(None, &parts), "peer:10.0.0.7");
        assert_eq!(key_of(Some("peer:10.0.0.7"), &parts), "owner:peer:10.0.0.7");
    }
}
