// The app's `Runner` is not the request's view of it: an endpoint takes
// `CallerTasks` (which knows the caller's owner), never the runner itself.
use qh::tasks::Runner;

#[qh::endpoint]
async fn enqueue(#[extract] tasks: Runner) -> String {
    match tasks.submit("job", async { Ok::<_, String>(1) }).await {
        Ok(submitted) => submitted.task_id,
        Err(e) => e.to_string(),
    }
}

fn main() {
    let _: axum::Router = qh::routes![enqueue];
}
