mod users {
    // `GET /users/{user_id}`, inferred.
    #[qh::endpoint(rest)]
    pub fn get_user(user_id: u64) -> u64 {
        user_id
    }
}

mod admin {
    #[qh::endpoint(method = "GET", path = "/users/{user_id}")]
    pub fn show(user_id: u64) -> u64 {
        user_id
    }
}

fn main() {
    let _: axum::Router = qh::routes![users::get_user, admin::show];
}
