#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header("")]
    tenant: String,
}

fn main() {}
