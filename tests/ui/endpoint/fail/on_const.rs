#[qh::endpoint]
const PING: &str = "pong";

fn main() {}
