#[qh::endpoint(task = "maybe")]
async fn report(n: u64) -> u64 {
    n
}

fn main() {}
