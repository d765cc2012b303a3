// A keyword placeholder is filled by a raw identifier, as body keys and
// bare headers already are.

#[qh::endpoint(method = "GET", path = "/items/{type}")]
fn item(r#type: String, #[query] r#ref: Option<String>) -> String {
    format!("{type}{}", r#ref.unwrap_or_default(), type = r#type)
}

fn main() {
    let _: axum::Router = qh::routes![item];
}
