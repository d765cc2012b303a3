mod users {}

#[qh::endpoint]
fn users() {}

fn main() {
    let _: axum::Router = qh::routes![users];
}
