#[derive(qh::TrackingContext)]
#[qh(root = "qh")]
struct Tracking {
    request_id: qh::RequestId,
    #[header("X Tenant")]
    tenant: String,
    #[header("X-User-ID")]
    user: Option<String>,
    #[header("x-user-id")]
    user_again: Option<String>,
}

fn main() {
    // The fallback keeps uses of the derived items from adding errors.
    let t = Tracking::from_headers(&axum::http::HeaderMap::new()).ok();
    let _ = t.map(|t| t.to_headers());
}
