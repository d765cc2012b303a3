#[qh::endpoint(path = "/users/{}")]
fn get_user() {}

fn main() {}
