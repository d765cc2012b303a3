use axum::Json;

#[derive(serde::Deserialize)]
struct Order {
    qty: u32,
}

#[qh::endpoint]
fn create(order: Json<Order>) -> u32 {
    order.qty
}

fn main() {}
