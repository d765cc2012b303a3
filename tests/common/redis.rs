//! Where the Redis tests find their `redis-server`.

/// `QH_REDIS_URL`, or `None` with a loud note when it is unset (a plain
/// `cargo test --workspace` on a machine without Redis still passes). With
/// `QH_REDIS_REQUIRED=1` (set by `.ci/run`) a missing URL fails the test:
/// these tests are `RedisTaskStore`'s only coverage, so CI must not skip
/// them.
pub fn redis_url() -> Option<String> {
    let url = std::env::var("QH_REDIS_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        let required = std::env::var("QH_REDIS_REQUIRED").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "QH_REDIS_REQUIRED=1 but QH_REDIS_URL is not set: start `redis-server --port 6390` \
             and set QH_REDIS_URL=redis://127.0.0.1:6390/"
        );
        // Straight to the process's stderr: `eprintln!` would be captured
        // (and hidden) by the test harness for a passing test.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: QH_REDIS_URL is not set; start `redis-server --port 6390` and \
             set QH_REDIS_URL=redis://127.0.0.1:6390/ to run the Redis task store tests ***"
        );
    }
    url
}
