// `#[cfg]` on parameters: the companion reads and passes only what the
// configuration keeps.

#[qh::endpoint]
fn add(
    a: i64,
    #[cfg(any())] unused: String,
    #[cfg(all())] b: i64,
    #[cfg(any())]
    #[header("X-Gone")]
    gone: String,
) -> i64 {
    a + b
}

#[qh::endpoint(method = "GET", path = "/search")]
fn search(#[cfg(any())] q: u32, #[cfg(all())] q: String) -> String {
    q
}

fn main() {
    let _: axum::Router = qh::routes![add, search];
}
