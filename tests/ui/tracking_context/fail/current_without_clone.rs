#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
}

fn main() {
    let _ = Tracking::current();
}
