// Every parameter source.

use axum::extract::State;
use axum::Extension;

#[derive(serde::Deserialize, utoipa::ToSchema)]
struct NewUser {
    name: String,
}

#[derive(Clone)]
struct Db;

#[qh::endpoint]
fn create(#[body] user: NewUser) -> String {
    user.name
}

#[qh::endpoint(method = "GET", path = "/tenants/{tenant_id}/users/{user_id}")]
fn get_user(
    tenant_id: String,
    #[path] user_id: u64,
    #[header("X-Tenant")] tenant: String,
    #[header(name = "X-Trace")] trace: Option<String>,
    #[header] x_user_agent: Option<String>,
    #[query] verbose: Option<bool>,
    #[query] limit: u32,
) -> String {
    format!("{tenant_id} {user_id} {tenant} {trace:?} {x_user_agent:?} {verbose:?} {limit}")
}

#[qh::endpoint(method = "GET", path = "/files/{*rest}")]
fn files(rest: String) -> String {
    rest
}

#[qh::endpoint]
async fn with_state(#[extract] State(db): State<Db>, #[extract] Extension(n): Extension<u32>, name: String) -> String {
    let Db = db;
    format!("{name} {n}")
}

#[qh::endpoint(method = "GET")]
fn state_only(#[extract] state: State<Db>) {
    let State(Db) = state;
}

fn main() {
    let _: axum::Router = qh::routes![create, get_user, files];
    let _: axum::Router = qh::routes![with_state, state_only].with_state(Db);
}
