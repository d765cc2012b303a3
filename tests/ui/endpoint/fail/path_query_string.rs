#[qh::endpoint(method = "GET", path = "/search?q={q}")]
fn search(q: String) -> String {
    q
}

fn main() {}
