//! Every parameter source and return shape an endpoint can have, served
//! with its OpenAPI document: what CI points Schemathesis and the client
//! generators at (`.ci/openapi/`), and a reference for what each form
//! documents.
//!
//! ```text
//! cargo run --example openapi_forms           # 127.0.0.1:3000
//! PORT=0 cargo run --example openapi_forms    # a free port, printed
//! ```
//!
//! `GET /openapi.json` is the document, `GET /docs` a page to try it.

mod forms;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000u16);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "qh openapi_forms listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, forms::app()).await
}
