#[qh::endpoint]
fn search(#[query] #[body] q: String) -> String {
    q
}

fn main() {}
