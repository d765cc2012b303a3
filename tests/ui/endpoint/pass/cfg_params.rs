// `#[cfg]` on parameters: the companion reads and passes only what the
// configuration keeps.

#[qh::endpoint]
fn add(
    a: i64,
    #[cfg(any())] unused: String,
    #[cfg(all())] b: i64,
    #[cfg(any())]
    #[header("X-Gone")]
    gone: String,
) -> i64 {
    a + b
}

#[qh::endpoint(method = "GET", path = "/search")]
fn search(#[cfg(any())] q: u32, #[cfg(all())] q: String) -> String {
    q
}

fn main() {
    let _: axum::Router = qh::routes![add, search];
}

// Alternatives under opposite `#[cfg]`s are not conflicts: only one of each
// pair exists in any configuration.
#[derive(serde::Deserialize)]
struct Whole {
    x: i64,
}

#[qh::endpoint]
fn alternatives(
    #[cfg(any())] request_id: String,
    #[cfg(all())]
    #[request_id]
    id: qh::RequestId,
    #[cfg(any())]
    #[header("X-A")]
    a: String,
    #[cfg(all())]
    #[header("X-A")]
    b: Option<String>,
    #[cfg(any())]
    #[body]
    whole: Whole,
    #[cfg(all())] x: i64,
) -> String {
    format!("{id} {b:?} {x}")
}

fn _more() {
    let _: axum::Router = qh::routes![alternatives];
}

// An extractor behind a feature: the parameter and its type are configured
// away together, and one that is kept still needs the router's state.
#[cfg(any())]
#[derive(Clone)]
struct Db;

#[derive(Clone)]
struct AppState {
    base: i64,
}

#[qh::endpoint]
async fn gated(
    #[cfg(any())]
    #[extract]
    db: axum::extract::State<Db>,
    #[cfg(all())]
    #[extract]
    axum::extract::State(state): axum::extract::State<AppState>,
    x: i64,
) -> i64 {
    state.base + x
}

fn _gated() {
    let _: axum::Router = qh::routes![gated].with_state(AppState { base: 1 });
}
