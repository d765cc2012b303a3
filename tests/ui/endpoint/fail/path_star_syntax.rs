#[qh::endpoint(method = "GET", path = "/files/*rest")]
fn file(rest: String) -> String {
    rest
}

fn main() {}
