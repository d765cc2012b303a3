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

async fn caller(client: &qh::client::Client) {
    // An `IntoResponse` type of one's own: nothing says how to read it.
    let _ = page::call(client).await;
}

fn main() {
    let _ = caller;
}
