#[derive(qh::TrackingContext)]
struct Tracking {
    request_id: qh::RequestId,
    #[header("X-Locale", forward_untrusted = true)]
    locale: Option<String>,
}

fn main() {}
