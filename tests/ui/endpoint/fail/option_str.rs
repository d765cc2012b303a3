#[qh::endpoint(method = "GET", path = "/hello")]
fn hello(#[query] name: Option<&str>) -> String {
    name.unwrap_or("world").to_owned()
}

fn main() {}
