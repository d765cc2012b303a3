//! The endpoints: one of each parameter source and return shape.

use axum::http::{HeaderValue, StatusCode};
use axum::response::Html;
use axum::Router;
use qh::openapi::utoipa;
use qh::{RequestId, Tracking};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// An item of the catalogue.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {
    /// Its name.
    pub name: String,
    /// How many are in stock.
    pub stock: u32,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its weight in grams, if known.
    pub grams: Option<u16>,
}

/// A search's query string, read as one struct.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct Search {
    /// Words to look for.
    pub q: String,
    /// At most this many results.
    pub limit: Option<u8>,
}

/// Adds two integers (body keys; `2.0` is an integer too).
///
/// # Examples
///
/// ```json
/// {"a": 40, "b": 2}
/// ```
#[qh::endpoint]
pub fn add(a: i64, b: i64) -> i64 {
    a.saturating_add(b)
}

/// Looks an item up: a path parameter, a `Result` with `qh::Error` and its
/// own 404.
#[qh::endpoint(method = "GET", path = "/items/{id}", errors(404))]
pub fn get_item(id: u64, #[query] verbose: Option<bool>) -> Result<Item, qh::Error> {
    let _ = verbose;
    if id == 0 {
        return Err(qh::Error::new(StatusCode::NOT_FOUND, "no item 0"));
    }
    Ok(Item {
        name: format!("item {id}"),
        stock: 3,
        tags: vec!["new".into()],
        grams: None,
    })
}

/// Stores an item: the whole body as one type, a required header, an
/// optional one.
#[qh::endpoint(method = "PUT", path = "/items/{id}")]
pub fn put_item(
    id: u64,
    #[header("X-Tenant")] tenant: String,
    #[header("X-Trace")] trace: Option<String>,
    #[body] item: Item,
) -> Item {
    let _ = (id, tenant, trace);
    item
}

/// Searches: a flattened query, a repeated query parameter, a default.
#[qh::endpoint(method = "GET", path = "/search")]
pub fn search(
    #[query(flatten)] search: Search,
    #[query] tag: Vec<String>,
    #[query(default = 1)] page: u32,
) -> Vec<String> {
    let limit = usize::from(search.limit.unwrap_or(3));
    tag.into_iter()
        .chain(std::iter::once(search.q))
        .take(limit.max(1))
        .map(|t| format!("{t}@{page}"))
        .collect()
}

/// Renames: optional and defaulted body keys; answers nothing (`()`).
#[qh::endpoint]
pub fn rename(name: String, #[default(1)] times: u8, note: Option<String>) {
    let _ = (name, times, note);
}

/// Checks a value; an error type that is not `qh::Error` (its answer,
/// plain text here, is documented with no content: `default` and the
/// statuses of `errors(…)`).
#[qh::endpoint(method = "GET", path = "/check/{value}", errors(409))]
pub fn check(value: i32) -> Result<(), (StatusCode, String)> {
    if value < 0 {
        return Err((StatusCode::CONFLICT, "negative".into()));
    }
    Ok(())
}

/// A page of HTML: an `IntoResponse` answered as it is.
#[qh::endpoint(method = "GET", path = "/page")]
pub fn page() -> Html<&'static str> {
    Html("<p>qh</p>")
}

/// A pair: a tuple is an array of its elements.
#[qh::endpoint(method = "GET", path = "/pair")]
pub fn pair() -> (u32, String) {
    (1, "one".into())
}

/// Maybe a number: `Option<T>` answers `null` or `T`.
#[qh::endpoint(method = "GET", path = "/maybe/{n}")]
pub fn maybe(n: i64) -> Option<i64> {
    (n % 2 == 0).then_some(n)
}

/// Any JSON: a `serde_json::Value`.
#[qh::endpoint(method = "GET", path = "/any")]
pub fn any(#[header("X-Raw")] raw: Option<HeaderValue>) -> Value {
    json!({"raw": raw.map(|r| r.to_str().unwrap_or("").to_owned()), "list": [1, "two"]})
}

/// The request's ID, read from this endpoint's own header (the app's
/// `Tracking` layer resolves it first: its header is the one read).
#[qh::endpoint(method = "GET", path = "/whoami")]
pub fn whoami(#[header("X-Corr")] request_id: RequestId) -> String {
    request_id.to_string()
}

/// Counts to `n` in the background: a task endpoint (202 and `/tasks`).
#[qh::endpoint(task)]
pub async fn count(#[default(1)] n: u8) -> u32 {
    tokio::time::sleep(std::time::Duration::from_millis(20 * u64::from(n))).await;
    u32::from(n) * 10
}

/// Squares a number, in the background when asked (`?async=true`).
#[qh::endpoint(task = "optional", method = "GET", path = "/square/{n}")]
pub async fn square(n: i32) -> i64 {
    i64::from(n) * i64::from(n)
}

/// The app: every endpoint, its document at `/openapi.json`, under a
/// `Tracking` layer with its own header.
pub fn app() -> Router {
    qh::routes![
        add, get_item, put_item, search, rename, check, page, pair, maybe, any, whoami, count,
        square;
        docs = |doc| doc.title("qh forms")
    ]
    .layer(Tracking::new().header("X-Correlation-ID"))
}
