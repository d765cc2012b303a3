//! Bounded waits for an event. A test waits for what it awaits, never for a
//! fixed time, and fails (naming what it waited for) after [`PATIENCE`]:
//! long enough for a loaded 2-core machine, short enough to end a hung run.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// The bound on every wait in the tests.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Checks `ready` every few milliseconds until it holds; panics naming
/// `what` after [`PATIENCE`].
pub async fn until<F, Fut>(what: &str, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + PATIENCE;
    while !ready().await {
        assert!(
            Instant::now() < deadline,
            "gave up after {PATIENCE:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// [`until`] for a condition that needs no `.await`.
pub async fn until_true(what: &str, mut ready: impl FnMut() -> bool) {
    until(what, || std::future::ready(ready())).await;
}

/// `fut`'s output, or a panic naming `what` after [`PATIENCE`].
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, fut)
        .await
        .unwrap_or_else(|_| panic!("gave up after {PATIENCE:?} waiting for {what}"))
}
