#[qh::endpoint(foo = "x")]
fn ping() {}

fn main() {}
