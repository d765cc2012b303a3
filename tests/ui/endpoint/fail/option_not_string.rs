#[qh::endpoint(method = GET)]
fn ping() {}

fn main() {}
