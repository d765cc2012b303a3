#[derive(qh::TrackingContext)]
struct Tracking;

fn main() {}
