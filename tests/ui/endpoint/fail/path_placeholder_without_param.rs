#[qh::endpoint(method = "GET", path = "/users/{user_id}")]
fn get_user() {}

fn main() {}
