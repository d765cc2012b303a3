//! `/openapi.json` and `/docs` through a real router in-process, the
//! tracking header as the layer in front of them configures it, and the
//! round trip: for every operation of the document, a request built from
//! what the document says (each parameter where it says, a body of its
//! schema) is accepted by the router it describes; and a document edited by
//! `; docs = |doc| …` (the user's own utoipa document merged in) is the one
//! served.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tower::ServiceExt;

#[derive(Deserialize, utoipa::ToSchema)]
struct Filter {
    q: String,
    limit: Option<u32>,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
struct Order {
    item: String,
    qty: u32,
}

/// Adds two numbers.
#[qh::endpoint]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Greets someone.
#[qh::endpoint(method = "GET", path = "/hello/{name}")]
fn hello(
    name: String,
    #[query] tag: Vec<String>,
    #[query(default = 2)] times: u32,
    #[header("X-Key")] key: String,
) -> String {
    format!("{name} {tag:?} {times} {key}")
}

#[qh::endpoint(method = "GET", path = "/filter")]
fn filter(#[query(flatten)] filter: Filter, flag: bool) -> Option<u32> {
    let _ = flag;
    filter.limit.filter(|_| !filter.q.is_empty())
}

#[qh::endpoint(path = "/orders", method = "PUT")]
fn place(#[body] order: Order) -> Result<Order, qh::Error> {
    Ok(order)
}

#[qh::endpoint(task)]
async fn report(n: u64) -> u64 {
    n
}

fn app() -> Router {
    qh::routes![add, hello, filter, place, report; docs].layer(qh::Tracking::new())
}

async fn get(app: &Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, 1 << 24).await.unwrap().to_vec();
    (parts.status, parts.headers, body)
}

#[tokio::test]
async fn openapi_json_answers_the_document() {
    let app = app();
    let (status, headers, body) = get(&app, "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let served: Value = serde_json::from_slice(&body).unwrap();
    let built: Value =
        serde_json::from_str(&qh::openapi::document![add, hello, filter, place, report].to_json())
            .unwrap();
    assert_eq!(served, built);
    assert_eq!(served["paths"]["/add"]["post"]["operationId"], "add");
}

#[tokio::test]
async fn the_document_describes_the_layer_the_request_came_through() {
    // The configuration is given once, to the layer.
    let app = qh::routes![add, report; docs]
        .layer(qh::Tracking::new().header("X-Correlation-ID").max_len(64));
    let (status, headers, body) = get(&app, "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.contains_key("x-correlation-id"));
    let doc: Value = serde_json::from_slice(&body).unwrap();
    let add = &doc["paths"]["/add"]["post"];
    let id = add["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "x-correlation-id")
        .expect("the layer's header is a parameter");
    assert!(id["description"]
        .as_str()
        .is_some_and(|d| d.contains("1 to 64 bytes")));
    assert_eq!(id["in"], json!("header"));
    for (status, response) in add["responses"].as_object().unwrap() {
        let echo = &response["headers"]["x-correlation-id"];
        assert_eq!(echo["schema"]["maxLength"], json!(64), "{status}");
        assert_eq!(echo["required"], json!(true), "{status}");
    }
    let tasks = &doc["paths"]["/tasks/{task_id}"]["get"];
    assert!(tasks["responses"]["200"]["headers"]["x-correlation-id"].is_object());
    let text = String::from_utf8(body).unwrap();
    assert!(!text.contains("x-request-id"), "{text}");

    // Without a layer: the defaults.
    let bare = qh::routes![add; docs];
    let (_, _, body) = get(&bare, "/openapi.json").await;
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("\"x-request-id\"") && !text.contains("x-correlation-id"));
}

/// The `href`/`src` attribute values of `html`.
fn asset_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attr) {
            rest = &rest[start + attr.len()..];
            let end = rest.find('"').unwrap();
            urls.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    urls
}

#[tokio::test]
async fn docs_page_and_its_assets_come_from_the_same_router() {
    let app = app();
    let (status, headers, _) = get(&app, "/docs").await;
    assert!(status.is_redirection());
    assert_eq!(headers["location"], "/docs/");
    let (status, _, body) = get(&app, "/docs/").await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    let urls = asset_urls(&html);
    assert!(urls.len() >= 4, "{urls:?}");
    for url in &urls {
        assert!(!url.contains("//"), "`{url}` points at another host");
        let path = format!("/docs/{}", url.trim_start_matches("./"));
        let (status, _, body) = get(&app, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!body.is_empty(), "{path}");
        if path.ends_with("swagger-initializer.js") {
            let js = String::from_utf8(body).unwrap();
            assert!(js.contains("\"/openapi.json\""), "{js}");
            // Swagger UI's validator badge would call validator.swagger.io.
            assert!(js.contains("\"validatorUrl\": \"none\""), "{js}");
            assert!(!js.contains("http://") && !js.contains("https://"), "{js}");
        }
    }
}

/// A value of `schema`: what a client reading the document would send.
fn example(schema: &Value, doc: &Value) -> Value {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        return example(&doc["components"]["schemas"][name], doc);
    }
    if let Some(default) = schema.get("default") {
        return default.clone();
    }
    if let Some(one_of) = schema["oneOf"].as_array() {
        let some = one_of.iter().find(|s| s["type"] != "null").unwrap();
        return example(some, doc);
    }
    let ty = match &schema["type"] {
        Value::Array(types) => types
            .iter()
            .find(|t| *t != "null")
            .cloned()
            .unwrap_or(Value::Null),
        ty => ty.clone(),
    };
    match ty.as_str() {
        Some("integer") => json!(2),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("string") => json!("abc"),
        Some("array") => json!([example(&schema["items"], doc)]),
        Some("object") => {
            let mut object = serde_json::Map::new();
            if let Some(props) = schema["properties"].as_object() {
                for (key, prop) in props {
                    object.insert(key.clone(), example(prop, doc));
                }
            }
            Value::Object(object)
        }
        _ => Value::Null,
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn a_request_built_from_each_operation_is_accepted() {
    let app = app();
    let (_, _, body) = get(&app, "/openapi.json").await;
    let doc: Value = serde_json::from_slice(&body).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if path.starts_with("/tasks") {
            continue; // needs a task's ID; covered by the tasks tests
        }
        for (method, op) in item.as_object().unwrap() {
            let mut uri = path.clone();
            let mut query = Vec::new();
            let mut builder = Request::builder().method(method.to_uppercase().as_str());
            for param in op["parameters"].as_array().unwrap() {
                let value = example(&param["schema"], &doc);
                let name = param["name"].as_str().unwrap();
                match param["in"].as_str().unwrap() {
                    "path" => uri = uri.replace(&format!("{{{name}}}"), &text(&value)),
                    "query" => match value {
                        Value::Array(items) => {
                            query.extend(items.iter().map(|v| format!("{name}={}", text(v))));
                        }
                        v => query.push(format!("{name}={}", text(&v))),
                    },
                    "header" if name == "x-request-id" => {
                        builder = builder.header(name, "round-trip-1");
                    }
                    "header" => builder = builder.header(name, text(&value)),
                    other => panic!("unexpected place {other}"),
                }
            }
            if !query.is_empty() {
                uri = format!("{uri}?{}", query.join("&"));
            }
            let body = match op.get("requestBody") {
                Some(body) => {
                    builder = builder.header("content-type", "application/json");
                    let schema = &body["content"]["application/json"]["schema"];
                    Body::from(example(schema, &doc).to_string())
                }
                None => Body::empty(),
            };
            let response = app
                .clone()
                .oneshot(builder.uri(&uri).body(body).unwrap())
                .await
                .unwrap();
            let status = response.status().as_u16().to_string();
            assert!(
                response.status().is_success() && op["responses"].get(&status).is_some(),
                "{method} {uri}: {status}"
            );
            assert_eq!(response.headers()["x-request-id"], "round-trip-1");
            checked += 1;
        }
    }
    assert_eq!(checked, 5);
}

/// A plain axum route of the user's, documented with utoipa.
#[utoipa::path(get, path = "/health", responses((status = 200, body = String)))]
async fn health() -> &'static str {
    "ok"
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(health))]
struct ApiDoc;

#[tokio::test]
async fn the_served_document_is_the_one_the_closure_leaves() {
    use utoipa::OpenApi as _;
    let app = qh::routes![add; docs = |doc| doc.merge(ApiDoc::openapi()).title("shop")]
        .route("/health", axum::routing::get(health))
        .layer(qh::Tracking::new());
    let (status, _, body) = get(&app, "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["info"]["title"], "shop");
    assert_eq!(doc["paths"]["/add"]["post"]["operationId"], "add");
    assert!(doc["paths"]["/health"]["get"]["responses"]["200"].is_object());
    // qh's own operations keep what the layer says of the ID header.
    assert_eq!(
        doc["paths"]["/add"]["post"]["responses"]["200"]["headers"]["x-request-id"]["required"],
        json!(true)
    );
    // The merged route is the app's own, served beside the endpoints.
    let (status, _, body) = get(&app, "/health").await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, &b"ok"[..]));
}
