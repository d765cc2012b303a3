#[qh::endpoint]
fn search(#[query] #[header] q: String) -> String {
    q
}

fn main() {}
