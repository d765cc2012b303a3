// `crate = "…"` names the qh crate by another path.

extern crate qh as my_qh;

#[my_qh::endpoint(crate = "my_qh")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[qh::endpoint(crate = "::qh", method = "GET")]
fn ping() {}

fn main() {
    let _: axum::Router = my_qh::routes![add, ping];
}
