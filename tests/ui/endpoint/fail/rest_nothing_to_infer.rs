#[qh::endpoint(rest, method = "GET", path = "/people/{user_id}")]
fn get_user(user_id: u64) -> u64 {
    user_id
}

fn main() {}
