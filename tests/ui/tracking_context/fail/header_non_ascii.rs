#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header("X-Ténant")]
    tenant: String,
}

fn main() {}
