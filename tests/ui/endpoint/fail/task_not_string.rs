#[qh::endpoint(task = 5)]
async fn report(n: u64) -> u64 {
    n
}

fn main() {}
