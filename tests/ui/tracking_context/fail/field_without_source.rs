#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    tenant: String,
}

fn main() {}
