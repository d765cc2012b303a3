struct User;

#[qh::endpoint]
fn get_user() -> User {
    User
}

fn main() {}
