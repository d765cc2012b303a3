#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header("X-User-ID", max_len = 0)]
    user_id: Option<String>,
}

fn main() {}
