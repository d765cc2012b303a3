// With the feature `client` on (here, as in a server crate whose caller
// turns it on), endpoints whose types only go one way still build: their
// `call`'s needs are checked where it is used, and it is never used.

#[derive(serde::Deserialize, utoipa::ToSchema)]
struct Incoming {
    name: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Outgoing {
    greeting: String,
}

#[qh::endpoint]
fn greet(#[body] who: Incoming) -> Outgoing {
    Outgoing {
        greeting: format!("hello, {}", who.name),
    }
}

#[qh::endpoint(method = "GET", path = "/list")]
fn list() -> Vec<&'static str> {
    vec!["a", "b"]
}

#[qh::endpoint(task)]
async fn later(who: Incoming) -> Outgoing {
    Outgoing { greeting: who.name }
}

struct Page;

impl axum::response::IntoResponse for Page {
    fn into_response(self) -> axum::response::Response {
        "page".into_response()
    }
}

#[qh::endpoint(method = "GET", path = "/page")]
fn page() -> Page {
    Page
}

// Called: the types that go both ways.
#[qh::endpoint(method = "GET", path = "/users/{id}")]
fn user(id: u64, #[query] verbose: Option<bool>, #[header("X-Tenant")] tenant: String) -> Option<String> {
    verbose.map(|_| format!("{tenant}/{id}"))
}

async fn caller(client: &qh::client::Client) -> Result<Option<String>, qh::client::Error> {
    user::call(client, 1, Some(true), "acme".to_owned()).await
}

fn main() {
    let _: axum::Router = qh::routes![greet, list, later, page, user];
    let _ = caller;
}
