#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header("X-Tenant")]
    tenant: String,
    #[header("x-TENANT")]
    tenant_again: Option<String>,
}

fn main() {}
