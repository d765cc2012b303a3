// Default `POST /name`, sync and async, body fields (plain and `Option`).

#[qh::endpoint]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[qh::endpoint]
async fn greet(name: String, greeting: Option<String>) -> String {
    format!("{}, {name}", greeting.as_deref().unwrap_or("hello"))
}

#[qh::endpoint]
fn ping() {}

fn main() {
    // The functions stay callable as written.
    assert_eq!(add(1, 2), 3);
    let _: axum::Router = qh::routes![add, greet, ping];
}
