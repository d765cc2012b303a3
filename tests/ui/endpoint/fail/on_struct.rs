#[qh::endpoint]
struct Ping;

fn main() {}
