// axum refuses a parameter and a catch-all at the same place, whatever the
// methods: a compile error at the `routes!` call, not a panic at startup.
#[qh::endpoint(method = "GET", path = "/files/{id}")]
fn file(id: u32) -> u32 {
    id
}

#[qh::endpoint(method = "POST", path = "/files/{*rest}")]
fn upload(rest: String) -> String {
    rest
}

fn main() {
    let _: axum::Router = qh::routes![file, upload];
}
