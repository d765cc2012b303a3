#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header("X-Tenant:")]
    tenant: String,
}

fn main() {}
