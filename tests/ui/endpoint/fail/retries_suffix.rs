#[qh::endpoint(task, retries = 3u8)]
async fn charge(cents: u64) -> u64 {
    cents
}

fn main() {}
