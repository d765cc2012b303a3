#[qh::endpoint(method = "GET", path = "/pages/{n}")]
fn page(#[default(1)] n: u32) -> u32 {
    n
}

fn main() {}
