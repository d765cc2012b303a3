#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header("X-User-ID", forwarded)]
    user_id: Option<String>,
}

fn main() {}
