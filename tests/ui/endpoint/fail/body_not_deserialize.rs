struct User {
    name: String,
}

#[qh::endpoint]
fn create(#[body] user: User) -> String {
    user.name
}

fn main() {}
