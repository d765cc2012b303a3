//! `GET /openapi.json` and the Swagger UI page at `/docs`, whose assets
//! are compiled into the binary (utoipa-swagger-ui's `vendored` feature):
//! the page loads nothing from another host.

use axum::Router;
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::{Config, SwaggerUi};

/// Where the document is served.
pub(crate) const DOCUMENT_PATH: &str = "/openapi.json";
/// Where the page is served (`/docs` redirects to `/docs/`).
pub(crate) const DOCS_PATH: &str = "/docs";

pub(crate) fn router<S: Clone + Send + Sync + 'static>(openapi: OpenApi) -> Router<S> {
    // No validator badge: Swagger UI would send the document's URL to
    // validator.swagger.io, a request to another host.
    let config = Config::new([DOCUMENT_PATH]).validator_url("none");
    SwaggerUi::new(DOCS_PATH)
        .url(DOCUMENT_PATH, openapi)
        .config(config)
        .into()
}
