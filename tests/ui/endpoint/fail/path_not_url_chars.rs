// Clients percent-encode these characters, and the router compares the path
// as sent: such a route would never match.
#[qh::endpoint(method = "GET", path = "/menu/café")]
fn menu() -> u32 {
    1
}

#[qh::endpoint(method = "GET", path = "/a b")]
fn spaced() -> u32 {
    2
}

#[qh::endpoint(method = "GET")]
fn crème() -> u32 {
    3
}

fn main() {}
