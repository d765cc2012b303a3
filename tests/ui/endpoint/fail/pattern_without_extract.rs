use axum::extract::State;

#[qh::endpoint]
fn count(State(n): State<u32>) -> u32 {
    n
}

fn main() {}
