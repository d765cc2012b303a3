#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header("X-Request-ID")]
    raw_request_id: Option<String>,
}

fn main() {}
