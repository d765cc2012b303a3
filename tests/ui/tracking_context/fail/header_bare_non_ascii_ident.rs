#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header]
    x_ténant: Option<String>,
}

fn main() {}
