#[qh::endpoint(method = "GET", path = "/users")]
fn get_user(#[path] user_id: u64) -> u64 {
    user_id
}

fn main() {}
