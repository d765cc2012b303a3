struct Limit(u32);

#[qh::endpoint]
fn limited(#[extract] limit: Limit) -> u32 {
    limit.0
}

fn main() {
    let _: axum::Router = qh::routes![limited];
}
