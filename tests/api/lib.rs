//! Endpoints defined in a crate of their own (the package's library), so
//! the tests call them as another crate would: through `qh_tests::api`,
//! with its types (`tests/client_calls.rs`).

pub mod api {
    //! A small service's endpoints and the types they share.

    use serde::{Deserialize, Serialize};

    /// A greeting, shared by the service and its callers.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
    pub struct Greeting {
        /// Who is greeted.
        pub to: String,
        /// How many times.
        pub times: u32,
    }

    /// `GET /greetings/{key}`, by the REST conventions.
    #[qh::endpoint(rest)]
    pub fn get_greeting(key: String, #[default(1)] times: u32) -> Greeting {
        Greeting { to: key, times }
    }

    /// Crate-private: its `call` is too.
    #[qh::endpoint(rest)]
    fn delete_greeting(key: String) -> String {
        key
    }

    /// The service's router.
    pub fn app() -> axum::Router {
        qh::routes![get_greeting, delete_greeting].layer(qh::Tracking::new())
    }
}
