// `method` and `path` options, upper- and lowercase methods.

#[qh::endpoint(method = "GET", path = "/health")]
fn health() -> &'static str {
    "ok"
}

#[qh::endpoint(method = "put")]
fn update(value: i64) -> i64 {
    value
}

#[qh::endpoint(path = "/v1/items", method = "delete")]
async fn remove(id: u64) -> u64 {
    id
}

#[qh::endpoint(method = "PATCH")]
fn patch(value: Option<bool>) -> Option<bool> {
    value
}

fn main() {
    let _: axum::Router = qh::routes![health, update, remove, patch];
}
