#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header(5)]
    tenant: String,
}

fn main() {}
