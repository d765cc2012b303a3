use axum::Json;

#[derive(serde::Deserialize)]
struct Order {
    qty: u32,
}

#[qh::endpoint]
fn create(#[extract] order: Json<Order>) -> u32 {
    order.qty
}

fn main() {}
