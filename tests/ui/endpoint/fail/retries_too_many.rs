#[qh::endpoint(task, retries = 1000)]
async fn charge(cents: u64) -> u64 {
    cents
}

fn main() {}
