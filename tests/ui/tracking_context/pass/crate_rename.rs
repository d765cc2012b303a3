//! `#[qh(crate = "…")]` names the runtime through another path.

#![deny(warnings)]

use ::qh as my_qh;

mod nested {
    pub use ::qh as renamed;
}

#[derive(my_qh::TrackingContext, Clone)]
#[qh(crate = "my_qh")]
struct AtRoot {
    request_id: my_qh::RequestId,
}

#[derive(my_qh::TrackingContext, Clone)]
#[qh(crate = "crate::nested::renamed")]
struct Nested {
    #[header("X-Tenant")]
    tenant: Option<String>,
}

fn main() {
    let headers = axum::http::HeaderMap::new();
    let _ = AtRoot::from_headers(&headers).map(|t| (t.request_id, AtRoot::current()));
    let _ = Nested::from_headers(&headers).map(|t| (t.tenant, Nested::current()));
}
