#[qh::endpoint(method = "GET", path = "/users/:id")]
fn user(id: u64) -> u64 {
    id
}

fn main() {}
