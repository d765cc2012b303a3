#[derive(qh::TrackingContext)]
enum Tracking {
    A { request_id: qh::RequestId },
}

fn main() {}
