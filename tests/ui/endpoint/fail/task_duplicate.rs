#[qh::endpoint(task, task = "optional")]
async fn report(n: u64) -> u64 {
    n
}

fn main() {}
