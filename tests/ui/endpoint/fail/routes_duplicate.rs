mod users {
    #[qh::endpoint]
    pub fn list() {}
}

mod orders {
    #[qh::endpoint]
    pub fn list() {}
}

fn main() {
    // Both default to `POST /list`.
    let _: axum::Router = qh::routes![users::list, orders::list];
}
