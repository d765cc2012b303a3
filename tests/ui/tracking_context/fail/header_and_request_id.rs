#[derive(qh::TrackingContext)]
struct Tracking {
    #[header("X-Correlation-ID")]
    #[request_id]
    correlation: qh::RequestId,
}

fn main() {}
