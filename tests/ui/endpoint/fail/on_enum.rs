#[qh::endpoint]
enum Ping {
    Pong,
}

fn main() {}
