// Code written for a request's tasks (its caller known) cannot be handed
// the app's runner: `Runner::for_request(&parts)` makes the view.
use qh::tasks::{CallerTasks, Runner};

async fn enqueue(tasks: &CallerTasks) -> Option<String> {
    let submitted = tasks.submit("job", async { Ok::<_, String>(1) }).await;
    submitted.ok().map(|s| s.task_id)
}

fn main() {
    let runner = Runner::default();
    let _ = enqueue(&runner);
}
