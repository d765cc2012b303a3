#[derive(qh::TrackingContext)]
#[qh(crate = "not a path")]
struct Tracking {
    request_id: qh::RequestId,
}

fn main() {}
