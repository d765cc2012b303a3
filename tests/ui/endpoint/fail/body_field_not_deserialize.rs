struct User {
    name: String,
}

#[qh::endpoint]
fn create(user: User) -> String {
    user.name
}

fn main() {}
