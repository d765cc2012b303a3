#[qh::endpoint]
fn create(#[body] a: String, #[body] b: String) -> String {
    a + &b
}

fn main() {}
