#[derive(qh::TrackingContext)]
struct Tracking(qh::RequestId);

fn main() {}
