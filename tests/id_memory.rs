//! A kept ID owns only its own bytes: IDs kept after their requests (in a
//! list, in a `TrackingContext`, in a `qh::spawn`ed task) do not hold the
//! connection's read buffer, however large the request's headers were.
//! Measured with a counting allocator around a real server on 127.0.0.1.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(qh::TrackingContext, Clone, Debug)]
struct Ctx {
    request_id: qh::RequestId,
}

static KEPT: Mutex<Vec<(qh::RequestId, Ctx)>> = Mutex::new(Vec::new());

#[qh::endpoint(method = "GET")]
async fn keep(request_id: qh::RequestId, #[extract] ctx: Ctx) -> &'static str {
    KEPT.lock().unwrap().push((request_id, ctx));
    // The task outlives the request, holding the context.
    drop(qh::spawn(async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        qh::request_id()
    }));
    "kept"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_ids_do_not_pin_request_buffers() {
    const REQUESTS: usize = 200;
    const PADDING: usize = 60 * 1024;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = qh::routes![keep].layer(qh::Tracking::new());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let padding = "p".repeat(PADDING);
    let before = LIVE.load(Ordering::Relaxed);
    for i in 0..REQUESTS {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "GET /keep HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: kept-{i:04}\r\nX-Padding: {padding}\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        tokio::time::timeout(common::wait::PATIENCE, stream.read_to_end(&mut raw))
            .await
            .unwrap()
            .unwrap();
        assert!(
            raw.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&raw)
        );
    }
    assert_eq!(KEPT.lock().unwrap().len(), REQUESTS);
    assert_eq!(KEPT.lock().unwrap()[7].0, "kept-0007");
    assert_eq!(KEPT.lock().unwrap()[7].1.request_id, "kept-0007");
    // Pinned buffers would be over 200 × 60 KB = 12 MB; own bytes, spawned
    // tasks and bookkeeping are well under 2 MB. The server drops a closed
    // connection (and its buffer) a moment after answering: wait for the
    // count to settle there; pinned buffers never would.
    common::wait::until_true(
        &format!("the bytes held after {REQUESTS} requests to drop under 2 MB"),
        || LIVE.load(Ordering::Relaxed) - before < 2 * 1024 * 1024,
    )
    .await;
    server.abort();
}
