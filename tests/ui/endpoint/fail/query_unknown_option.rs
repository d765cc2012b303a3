#[qh::endpoint(method = "GET")]
fn page(#[query(defualt = 20)] size: u32) -> u32 {
    size
}

#[qh::endpoint(method = "GET")]
fn other(#[query(rename = "n")] size: u32) -> u32 {
    size
}

fn main() {}
