struct Report {
    lines: u64,
}

#[qh::endpoint(task)]
async fn report(n: u64) -> Report {
    Report { lines: n }
}

fn main() {}
