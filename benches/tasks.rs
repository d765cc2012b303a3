//! What submitting a task costs: `CallerTasks::submit` inside a request context
//! (record created, task spawned, the 202 answer built) with the in-memory
//! store, alone and together with running the (trivial) task to its
//! recorded completion; a whole request to a `#[qh::endpoint(task)]`
//! endpoint (JSON body read, submission, 202 answer) beside the same
//! function as a plain endpoint; and, built with `--features redis` and with
//! `QH_REDIS_URL` set, the same with `RedisTaskStore`.
//!
//! ```text
//! cargo bench -p qh-bench --bench tasks
//! QH_REDIS_URL=redis://127.0.0.1:6390/ cargo bench -p qh-bench --features redis --bench tasks
//! ```

use std::sync::LazyLock;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use axum::response::IntoResponse;
use axum::{Extension, Router};
use qh::context::Context;
use qh::tasks::{MemoryTaskStore, Runner};
use qh::RequestId;
use tower::ServiceExt;

fn main() {
    divan::main();
}

static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
});

const BATCH: usize = 100;

/// Waits until every task submitted to `tasks` has finished (at most 10 s):
/// submissions outside a tracked request count toward no shutdown.
async fn settle(tasks: &Runner) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tasks.running_here() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// `BATCH` submissions in one request context, answers built and dropped.
async fn submit_batch(tasks: &Runner) {
    Context::new(RequestId::from_static("bench-request"))
        .scope(async {
            for _ in 0..BATCH {
                let submitted = tasks
                    .submit("bench", async { Ok::<_, String>(1u8) })
                    .await
                    .expect("room in the store");
                drop(divan::black_box(submitted.into_response()));
            }
        })
        .await;
}

/// Submission alone (the tasks finish in the background meanwhile).
#[divan::bench(sample_count = 20)]
fn submit_memory_store(bencher: divan::Bencher) {
    // Room for every submission the benchmark makes: no backpressure.
    let tasks = Runner::new(MemoryTaskStore::new().capacity(usize::MAX));
    bencher
        .counter(divan::counter::ItemsCount::new(BATCH))
        .bench_local(|| RT.block_on(submit_batch(&tasks)));
}

/// Submission, running and recording completion, at steady state: a full
/// store evicting its oldest finished record on each submission.
#[divan::bench(sample_count = 20)]
fn submit_and_complete_memory_store(bencher: divan::Bencher) {
    let tasks = Runner::new(MemoryTaskStore::new().capacity(1000));
    let run = || async {
        submit_batch(&tasks).await;
        settle(&tasks).await;
    };
    RT.block_on(async {
        for _ in 0..10 {
            run().await;
        }
    });
    bencher
        .counter(divan::counter::ItemsCount::new(BATCH))
        .bench_local(|| RT.block_on(run()));
}

#[qh::endpoint(task, path = "/as_task")]
async fn as_task(n: u64) -> u64 {
    n + 1
}

#[qh::endpoint(path = "/inline")]
async fn inline(n: u64) -> u64 {
    n + 1
}

/// `BATCH` whole requests to `path` through `app`.
async fn request_batch(app: &Router, path: &str, want: u16) {
    for _ in 0..BATCH {
        let request = Request::post(path)
            .header("content-type", "application/json")
            .header("x-request-id", "bench-request")
            .body(Body::from(r#"{"n":1}"#))
            .expect("a request");
        let response = app.clone().oneshot(request).await.expect("infallible");
        assert_eq!(response.status().as_u16(), want);
        drop(divan::black_box(response));
    }
}

/// A request to a task endpoint: extraction, submission, the 202 answer.
#[divan::bench(sample_count = 20)]
fn task_endpoint_request(bencher: divan::Bencher) {
    let tasks = Runner::new(MemoryTaskStore::new().capacity(usize::MAX));
    let app = qh::routes![as_task].layer(Extension(tasks));
    bencher
        .counter(divan::counter::ItemsCount::new(BATCH))
        .bench_local(|| RT.block_on(request_batch(&app, "/as_task", 202)));
}

/// The same function as a plain endpoint, for comparison.
#[divan::bench(sample_count = 20)]
fn plain_endpoint_request(bencher: divan::Bencher) {
    let app = qh::routes![inline];
    bencher
        .counter(divan::counter::ItemsCount::new(BATCH))
        .bench_local(|| RT.block_on(request_batch(&app, "/inline", 200)));
}

#[cfg(feature = "redis")]
#[divan::bench(sample_count = 10)]
fn submit_redis_store(bencher: divan::Bencher) {
    let Ok(url) = std::env::var("QH_REDIS_URL") else {
        eprintln!("QH_REDIS_URL unset: skipping the Redis submission benchmark");
        return;
    };
    let options = qh::tasks::RedisOptions::default().prefix("qh-bench:tasks");
    let tasks = RT.block_on(async {
        Runner::new(
            qh::tasks::RedisTaskStore::connect_with(&url, options)
                .await
                .expect("redis reachable"),
        )
    });
    bencher
        .counter(divan::counter::ItemsCount::new(BATCH))
        .bench_local(|| RT.block_on(submit_batch(&tasks)));
}
