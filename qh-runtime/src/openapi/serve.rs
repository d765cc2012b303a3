//! `GET /openapi.json` and the Swagger UI page at `/docs`, whose assets
//! are compiled into the binary (utoipa-swagger-ui's `vendored` feature):
//! the page loads nothing from another host.
//!
//! The document describes the tracking header of the [`Tracking`] layer
//! the request came through (the [`Resolved`] the layer stored knows it),
//! so the configuration is given once, to the layer. Its JSON is built
//! the first time a configuration asks, and kept.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use http::header::CONTENT_TYPE;
use http::{Extensions, HeaderValue};
use utoipa_swagger_ui::{Config, SwaggerUi};

use super::tracking::IdHeader;
use super::Document;
use crate::context::Resolved;
use crate::support::sync::lock;

/// Where the document is served.
pub(crate) const DOCUMENT_PATH: &str = "/openapi.json";
/// Where the page is served (`/docs` redirects to `/docs/`).
pub(crate) const DOCS_PATH: &str = "/docs";

/// Distinct configurations whose JSON is kept; an app has one or two, and
/// past this the oldest is built again when asked.
const KEPT: usize = 8;

pub(crate) fn router<S: Clone + Send + Sync + 'static>(document: Document) -> Router<S> {
    // No validator badge: Swagger UI would send the document's URL to
    // validator.swagger.io, a request to another host.
    let config = Config::new([DOCUMENT_PATH]).validator_url("none");
    let page: Router<S> = SwaggerUi::new(DOCS_PATH).config(config).into();
    let served = Arc::new(Served::new(document));
    page.route(
        DOCUMENT_PATH,
        get(move |req: Request| {
            let json = served.json(req.extensions());
            async move { answer(json) }
        }),
    )
}

fn answer(json: Bytes) -> Response {
    let mut response = Response::new(Body::from(json));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A document and its JSON, per tracking configuration.
struct Served {
    document: Document,
    built: Mutex<Vec<(IdHeader, Bytes)>>,
}

impl Served {
    fn new(document: Document) -> Self {
        Self {
            document,
            built: Mutex::new(Vec::new()),
        }
    }

    /// The JSON for a request with these extensions: its layer's tracking
    /// header (or the one the document was given, or the defaults).
    fn json(&self, extensions: &Extensions) -> Bytes {
        let id = match &self.document.id {
            Some(id) => id.clone(),
            None => extensions
                .get::<Resolved>()
                .and_then(Resolved::layer)
                .map_or_else(IdHeader::unlayered, IdHeader::of),
        };
        // Built under the lock: concurrent first requests build it once.
        let mut built = lock(&self.built);
        if let Some((_, json)) = built.iter().find(|(kept, _)| *kept == id) {
            return json.clone();
        }
        let openapi = self.document.clone().into_openapi_with(&id);
        // utoipa's types have string keys and JSON values only.
        let json = Bytes::from(openapi.to_pretty_json().unwrap_or_default());
        if built.len() == KEPT {
            built.remove(0);
        }
        built.push((id, json.clone()));
        json
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::RequestId;
    use crate::tracking::Tracking;

    fn under(tracking: Option<&Tracking>) -> Extensions {
        let mut extensions = Extensions::new();
        if let Some(tracking) = tracking {
            let id = RequestId::new("abc").unwrap();
            let mut resolved = Resolved::new(id, crate::id::DEFAULT_HEADER, None);
            resolved.set_layer(tracking);
            extensions.insert(resolved);
        }
        extensions
    }

    /// An endpoint as `#[qh::endpoint]` would describe it, by hand.
    struct Ping;

    impl crate::endpoint::Endpoint for Ping {
        const NAME: &'static str = "ping";
        const PATH: &'static str = "/ping";
        const METHOD: http::Method = http::Method::GET;
        const METHOD_STR: &'static str = "GET";
        fn handler() -> Self {
            Ping
        }
    }

    impl super::super::Describe for Ping {
        fn describe(_: &mut super::super::Operation) {}
    }

    fn text(json: &Bytes) -> &str {
        std::str::from_utf8(json).unwrap()
    }

    #[test]
    fn built_once_per_configuration() {
        let served = Served::new(Document::new("t", "1").add::<Ping>());
        let corr = Tracking::new().header("X-Correlation-ID");
        let first = served.json(&under(Some(&corr)));
        assert!(text(&first).contains("\"x-correlation-id\""));
        assert!(!text(&first).contains("x-request-id"));
        // The same layer again, another configured alike: no new build.
        assert_eq!(first.as_ptr(), served.json(&under(Some(&corr))).as_ptr());
        let alike = Tracking::new().header("x-correlation-id");
        assert_eq!(first.as_ptr(), served.json(&under(Some(&alike))).as_ptr());
        // No layer: the defaults, a document of its own, kept too.
        let plain = served.json(&under(None));
        assert!(text(&plain).contains("\"x-request-id\""));
        assert_eq!(plain.as_ptr(), served.json(&under(None)).as_ptr());
        assert_eq!(served.built.lock().unwrap().len(), 2);
    }

    #[test]
    fn a_document_given_its_tracking_keeps_it() {
        let given = Tracking::new().header("X-Given");
        let served = Served::new(Document::new("t", "1").add::<Ping>().tracking(&given));
        let corr = Tracking::new().header("X-Correlation-ID");
        let json = served.json(&under(Some(&corr)));
        assert!(text(&json).contains("\"x-given\"") && !text(&json).contains("x-correlation"));
    }
}
