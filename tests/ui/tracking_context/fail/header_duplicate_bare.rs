#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header("X-User-ID")]
    user: Option<String>,
    #[header]
    x_user_id: Option<String>,
}

fn main() {}
