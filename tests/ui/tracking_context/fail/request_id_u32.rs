#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: u32,
}

fn main() {}
