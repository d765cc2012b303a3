#[qh::endpoint]
fn tenant(#[header("X-Größe")] size: String) -> String {
    size
}

fn main() {}
