#[derive(qh::TrackingContext)]
union Tracking {
    n: u64,
}

fn main() {}
