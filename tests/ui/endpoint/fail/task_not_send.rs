use std::rc::Rc;

// A task runs on another thread: its future must be `Send`.
#[qh::endpoint(task)]
async fn report(n: u64) -> u64 {
    let local = Rc::new(n);
    tokio::task::yield_now().await;
    *local
}

fn main() {}
