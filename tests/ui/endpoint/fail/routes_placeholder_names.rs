#[qh::endpoint(method = "GET", path = "/users/{id}")]
fn get_user(id: u64) -> u64 {
    id
}

#[qh::endpoint(method = "DELETE", path = "/users/{user_id}")]
fn delete_user(user_id: u64) -> u64 {
    user_id
}

fn main() {
    let _: axum::Router = qh::routes![get_user, delete_user];
}
