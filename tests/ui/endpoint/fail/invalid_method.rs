#[qh::endpoint(method = "FETCH")]
fn ping() {}

fn main() {}
