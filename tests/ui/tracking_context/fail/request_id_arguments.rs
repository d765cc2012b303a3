#[derive(qh::TrackingContext)]
struct Tracking {
    #[request_id("X-Correlation-ID")]
    id: qh::RequestId,
}

fn main() {}
