#[derive(qh::TrackingContext)]
#[qh(krate = "qh")]
struct Tracking {
    request_id: qh::RequestId,
}

fn main() {}
