#[qh::endpoint(rest = true)]
fn get_user(user_id: u64) -> u64 {
    user_id
}

fn main() {}
