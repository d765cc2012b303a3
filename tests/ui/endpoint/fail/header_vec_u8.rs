#[qh::endpoint]
fn upload(#[header("X-Bytes")] bytes: Vec<u8>) -> usize {
    bytes.len()
}

fn main() {}
