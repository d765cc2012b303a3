#[qh::endpoint(path = "users")]
fn users() {}

fn main() {}
