#[qh::endpoint(path = "/users/{id")]
fn get_user(id: u64) -> u64 {
    id
}

fn main() {}
