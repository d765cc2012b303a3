// Only a task endpoint's tasks can be run again by a runner.
#[qh::endpoint]
async fn charge(cents: u64) -> u64 {
    cents
}

fn main() {
    let _ = qh::tasks::Runner::builder().endpoint::<charge>();
}
