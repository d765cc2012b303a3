#[derive(qh::TrackingContext)]
struct Tracking {
    #[header("X-Correlation-ID", max_len = 64, forward_untrusted)]
    request_id: qh::RequestId,
}

fn main() {}
