// axum's own `Path` extractor reads the placeholders itself.
use axum::extract::Path;

#[qh::endpoint(method = "GET", path = "/users/{id}")]
fn user(#[extract] Path(id): Path<u64>) -> u64 {
    id
}

fn main() {
    let _: axum::Router = qh::routes![user];
}
