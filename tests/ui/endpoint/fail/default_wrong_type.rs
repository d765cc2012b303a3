#[qh::endpoint(method = "GET", path = "/items")]
fn items(#[query(default = "20")] limit: u32) -> u32 {
    limit
}

fn main() {}
