fn plain_fn() {}

fn main() {
    let _: axum::Router = qh::routes![plain_fn];
}
