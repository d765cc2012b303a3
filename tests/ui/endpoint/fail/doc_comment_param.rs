#[qh::endpoint]
fn add(
    /// The first operand.
    a: i64,
    b: i64,
) -> i64 {
    a + b
}

fn main() {}
