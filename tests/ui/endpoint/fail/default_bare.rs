#[qh::endpoint(method = "GET", path = "/items")]
fn items(#[default] limit: u32) -> u32 {
    limit
}

fn main() {}
