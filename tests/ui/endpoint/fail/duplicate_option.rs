#[qh::endpoint(method = "GET", method = "POST")]
fn ping() {}

fn main() {}
