#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header(rename = "X-Tenant")]
    tenant: String,
}

fn main() {}
