#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[request_id]
    id: String,
}

fn main() {}
