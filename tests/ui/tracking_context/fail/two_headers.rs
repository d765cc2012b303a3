#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header("X-Tenant")]
    #[header("X-Org")]
    tenant: String,
}

fn main() {}
