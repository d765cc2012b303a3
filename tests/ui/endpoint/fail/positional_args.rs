#[qh::endpoint("GET", "/health")]
fn health() {}

fn main() {}
