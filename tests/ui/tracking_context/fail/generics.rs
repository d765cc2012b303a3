#[derive(qh::TrackingContext)]
struct Tracking<T> {
    request_id: qh::RequestId,
    #[header("X-Tenant")]
    tenant: T,
}

fn main() {}
