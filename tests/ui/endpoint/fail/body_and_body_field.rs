#[derive(serde::Deserialize)]
struct User {
    name: String,
}

#[qh::endpoint]
fn create(#[body] user: User, admin: bool) -> String {
    format!("{} {admin}", user.name)
}

fn main() {}
