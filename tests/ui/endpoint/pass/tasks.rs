// Task endpoints of every supported shape, mounted together (the `/tasks`
// routes once) and merged with another router that brings them too.
use serde::Serialize;

#[derive(Serialize)]
struct Report {
    lines: u64,
}

#[qh::endpoint(task)]
async fn report(n: u64) -> Report {
    Report { lines: n }
}

#[qh::endpoint(task)]
fn blocking(n: u64) -> Result<u64, String> {
    Ok(n)
}

#[qh::endpoint(task)]
async fn failing() -> Result<(), qh::Error> {
    Ok(())
}

#[qh::endpoint(task = "optional", method = "GET", path = "/sum/{a}")]
async fn sum(a: i64, #[query] b: Option<i64>, request_id: qh::RequestId) -> Result<i64, String> {
    let _ = request_id;
    Ok(a + b.unwrap_or(0))
}

#[qh::endpoint(task, crate = "qh")]
async fn nothing() {}

fn main() {
    let app: axum::Router = qh::routes![report, blocking, failing, sum];
    let _app: axum::Router = app.merge(qh::routes![nothing]);
}
