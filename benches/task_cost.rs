//! What one task costs the store, and whether a task's owner can be told
//! apart by timing, as figures (not a timed test):
//!
//! - **Oracle**: with an owner hook, `GET /tasks/{id}` of another owner's
//!   task (its result 1 MiB in memory, 256 KiB in Redis) against an ID no
//!   task has, 1,000 requests of each, interleaved; the medians, and how far
//!   apart they are. Both must answer the same `404`, in the same time.
//! - **Round trips** (Redis, with `QH_REDIS_URL`): one task's life through
//!   a `#[qh::endpoint(task)]` endpoint (submit, start, complete, one read of
//!   `/result`), counted by `RedisTaskStore::round_trips()`, and the
//!   commands Redis received from clients and ran inside scripts (as
//!   `MONITOR` shows them), averaged over 200 tasks once the scripts are
//!   loaded.
//!
//! ```text
//! cargo bench -p qh-bench --bench task_cost
//! QH_REDIS_URL=redis://127.0.0.1:6390/ cargo bench -p qh-bench --features redis --bench task_cost
//! ```

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::{Extension, Router};
use qh::tasks::{MemoryTaskStore, Runner};
use tower::ServiceExt;

const SAMPLES: usize = 1000;

#[qh::endpoint(task)]
async fn cost(n: u64) -> u64 {
    n + 1
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let memory = Runner::builder()
            .store(MemoryTaskStore::new())
            .owner(owner)
            .build();
        oracle("memory store, 1 MiB result", memory, 1 << 20).await;
        #[cfg(feature = "redis")]
        redis::run().await;
        #[cfg(not(feature = "redis"))]
        println!("(built without `--features redis`: the Redis figures are skipped)");
    });
}

fn owner(parts: &axum::http::request::Parts) -> Option<String> {
    parts
        .headers
        .get("x-user")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn app(runner: &Runner) -> Router {
    qh::routes![cost]
        .layer(Extension(runner.clone()))
        .layer(qh::Tracking::new())
}

async fn get_as(app: &Router, uri: &str, user: &str) -> (StatusCode, Duration) {
    let request = Request::get(uri)
        .header("x-user", user)
        .body(Body::empty())
        .expect("a request");
    let started = Instant::now();
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
    (status, started.elapsed())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// Alice's finished task with a `size`-byte result; Bob asks for it and for
/// an unknown ID, alternately.
async fn oracle(label: &str, runner: Runner, size: usize) {
    let (parts, ()) = Request::get("/")
        .header("x-user", "alice")
        .body(())
        .expect("a request")
        .into_parts();
    let submitted = runner
        .for_request(&parts)
        .submit("big", async move { Ok::<_, String>("x".repeat(size)) })
        .await
        .expect("submitted");
    let record = runner
        .store()
        .wait(&submitted.task_id, Duration::from_secs(30))
        .await
        .expect("the store answers")
        .expect("a record");
    assert!(record.status.is_finished(), "the big task did not finish");
    let app = app(&runner);
    let theirs = format!("/tasks/{}", submitted.task_id);
    let mut other_owner = Vec::with_capacity(SAMPLES);
    let mut unknown = Vec::with_capacity(SAMPLES);
    // Warm up both paths first.
    for i in 0..(SAMPLES + 100) {
        let missing = format!("/tasks/{}", uuid::Uuid::new_v4());
        let (a, ta) = get_as(&app, &theirs, "bob").await;
        let (b, tb) = get_as(&app, &missing, "bob").await;
        assert_eq!((a, b), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
        if i >= 100 {
            other_owner.push(ta);
            unknown.push(tb);
        }
    }
    let (o, u) = (median(other_owner), median(unknown));
    let apart = (o.as_secs_f64() / u.as_secs_f64() - 1.0) * 100.0;
    println!(
        "{label}: GET another owner's task {o:?}, an unknown ID {u:?} (medians of {SAMPLES}; {apart:+.1}%)"
    );
    // The owner herself still reads it.
    let (status, _) = get_as(&app, &theirs, "alice").await;
    assert_eq!(status, StatusCode::OK);
    drop(runner.store().delete(&submitted.task_id).await);
}

#[cfg(feature = "redis")]
mod redis {
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use qh::tasks::{RedisOptions, RedisTaskStore, Runner};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpStream;
    use tower::ServiceExt;

    const TASKS: u64 = 200;

    pub(super) async fn run() {
        let Ok(url) = std::env::var("QH_REDIS_URL") else {
            println!("QH_REDIS_URL unset: the Redis figures are skipped");
            return;
        };
        let prefix = format!("qh-bench:cost:{}", uuid::Uuid::new_v4());
        let store = RedisTaskStore::connect_with(&url, RedisOptions::default().prefix(&prefix))
            .await
            .expect("redis reachable");
        let runner = Runner::builder()
            .store(store.clone())
            .owner(super::owner)
            .build();
        super::oracle("redis store, 256 KiB result", runner.clone(), 256 << 10).await;
        round_trips(&url, &store, &runner).await;
    }

    /// One task's life: submitted through the endpoint, run to its end,
    /// its result read once.
    async fn life(app: &axum::Router, runner: &Runner) {
        let request = Request::post("/cost")
            .header("content-type", "application/json")
            .header("x-user", "alice")
            .body(Body::from(r#"{"n":1}"#))
            .expect("a request");
        let response = app.clone().oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        let submitted: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        let task_id = submitted["task_id"].as_str().expect("an ID").to_owned();
        // Finished here, without asking the store.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while runner.running_here() > 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the task never ended"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let (status, _) = super::get_as(app, &format!("/tasks/{task_id}/result"), "alice").await;
        assert_eq!(status, StatusCode::OK);
    }

    async fn round_trips(url: &str, store: &RedisTaskStore, runner: &Runner) {
        let app = super::app(runner);
        // Scripts loaded, connections made.
        for _ in 0..5 {
            life(&app, runner).await;
        }
        let monitor = Monitor::start(url).await;
        let trips = store.round_trips();
        for _ in 0..TASKS {
            life(&app, runner).await;
        }
        let trips = store.round_trips() - trips;
        let (sent, in_scripts) = monitor.stop().await;
        #[allow(clippy::cast_precision_loss)]
        let per = |n: u64| n as f64 / TASKS as f64;
        println!(
            "redis store, one task's life (submit, start, complete, one read), over {TASKS} tasks: \
             {:.2} round trips, {:.2} commands sent, {:.2} run inside scripts",
            per(trips),
            per(sent),
            per(in_scripts)
        );
    }

    /// A `MONITOR` connection counting what Redis runs: commands clients
    /// send, and commands scripts call (`[0 lua]`).
    struct Monitor {
        url: String,
        counts: tokio::task::JoinHandle<(u64, u64)>,
    }

    /// What ends the count: an `ECHO` of this, sent by [`Monitor::stop`].
    const END: &str = "qh-bench-monitor-end";

    async fn connect(url: &str) -> BufReader<TcpStream> {
        let addr = url.trim_start_matches("redis://").trim_end_matches('/');
        BufReader::new(TcpStream::connect(addr).await.expect("redis reachable"))
    }

    impl Monitor {
        async fn start(url: &str) -> Self {
            let mut conn = connect(url).await;
            conn.get_mut()
                .write_all(b"*1\r\n$7\r\nMONITOR\r\n")
                .await
                .expect("sent");
            let mut ok = String::new();
            conn.read_line(&mut ok).await.expect("+OK");
            assert_eq!(ok.trim(), "+OK");
            let counts = tokio::spawn(async move {
                let (mut sent, mut in_scripts) = (0, 0);
                let mut line = String::new();
                loop {
                    line.clear();
                    if conn.read_line(&mut line).await.unwrap_or(0) == 0 || line.contains(END) {
                        break;
                    }
                    if line.contains("[0 lua]") {
                        in_scripts += 1;
                    } else {
                        sent += 1;
                    }
                }
                (sent, in_scripts)
            });
            Self {
                url: url.to_owned(),
                counts,
            }
        }

        async fn stop(self) -> (u64, u64) {
            let mut conn = connect(&self.url).await;
            let echo = format!("*2\r\n$4\r\nECHO\r\n${}\r\n{END}\r\n", END.len());
            conn.get_mut()
                .write_all(echo.as_bytes())
                .await
                .expect("sent");
            let mut reply = String::new();
            conn.read_line(&mut reply).await.expect("a reply");
            tokio::time::timeout(Duration::from_secs(10), self.counts)
                .await
                .expect("the monitor saw the end")
                .expect("the monitor")
        }
    }
}
