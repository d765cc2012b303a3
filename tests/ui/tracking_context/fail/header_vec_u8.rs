#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header("X-Blob")]
    blob: Vec<u8>,
}

fn main() {}
