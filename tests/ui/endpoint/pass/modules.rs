// Endpoints in nested modules, mounted by path.

#[qh::endpoint]
fn root() -> &'static str {
    "root"
}

mod api {
    pub mod users {
        #[qh::endpoint(method = "GET", path = "/users/{id}")]
        pub fn get(id: u64) -> u64 {
            id
        }

        #[qh::endpoint(path = "/users")]
        pub(crate) async fn create(name: String) -> String {
            name
        }
    }

    #[qh::endpoint(method = "GET")]
    pub fn version() -> &'static str {
        "1"
    }
}

fn main() {
    let _: axum::Router = qh::routes![root, api::users::get, api::users::create, api::version];
}
