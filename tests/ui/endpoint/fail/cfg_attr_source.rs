#[qh::endpoint(method = "GET", path = "/items")]
fn items(#[cfg_attr(all(), query)] limit: u32) -> u32 {
    limit
}

fn main() {}
