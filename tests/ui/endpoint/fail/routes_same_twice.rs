#[qh::endpoint(method = "GET", path = "/health")]
fn health() {}

fn main() {
    let _: axum::Router = qh::routes![health, health];
}
