#[qh::endpoint(method = "GET", path = "/users/{id}")]
fn user(#[query] id: u64) -> u64 {
    id
}

fn main() {}
