// GET parameters are query parameters; repeated keys, a whole-query struct
// and defaults.

#[derive(serde::Deserialize, utoipa::ToSchema)]
struct Filter {
    q: String,
    #[serde(default)]
    tag: Vec<String>,
}

#[qh::endpoint(method = "GET", path = "/search")]
fn search(
    #[query(flatten)] filter: Filter,
    #[query(default = 20)] limit: u32,
    #[query] tag: Vec<String>,
    page: Option<u32>,
    #[default(0)] offset: u32,
    #[header("X-Page-Size", default = 10)] size: u32,
) -> String {
    format!("{} {:?} {limit} {tag:?} {page:?} {offset} {size}", filter.q, filter.tag)
}

#[qh::endpoint]
fn create(name: String, #[default(1)] qty: u32) -> String {
    format!("{qty} {name}")
}

fn main() {
    let _: axum::Router = qh::routes![search, create];
}
