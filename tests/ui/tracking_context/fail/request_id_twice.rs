#[derive(qh::TrackingContext)]
struct Tracking {
    #[request_id]
    id: qh::RequestId,
    #[request_id]
    id_text: String,
}

fn main() {}
