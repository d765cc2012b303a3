#[derive(serde::Serialize)]
struct User {
    id: u64,
}

#[qh::endpoint(method = "GET", path = "/user")]
fn user() -> Result<User, qh::Error> {
    Ok(User { id: 1 })
}

fn main() {}
