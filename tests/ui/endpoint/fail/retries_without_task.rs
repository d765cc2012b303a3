#[qh::endpoint(retries = 3)]
async fn charge(cents: u64) -> u64 {
    cents
}

fn main() {}
