#[qh::endpoint(task, retries = 3, retries = 5)]
async fn charge(cents: u64) -> u64 {
    cents
}

fn main() {}
