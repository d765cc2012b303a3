//! The OpenAPI document each `#[qh::endpoint]` contributes: every
//! parameter source, defaults, `Option`, lists, flatten, `#[body]`, the
//! returns, task endpoints, the tracking header, the problem answers and
//! the `/tasks` operations, read from the JSON the document serializes to.

use serde::{Deserialize, Serialize};
use serde_json::Value;

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

/// Searches.
///
/// With every URL source.
#[qh::endpoint(method = "GET", path = "/search/{kind}")]
fn search(
    kind: String,
    #[query(default = 20)] per_page: u32,
    #[query] tag: Vec<String>,
    page: Option<u32>,
    #[header("X-Tenant")] tenant: Option<String>,
    #[header("X-Key")] key: String,
) -> Vec<String> {
    let _ = (kind, per_page, tag, page, tenant, key);
    Vec::new()
}

#[qh::endpoint(method = "GET", path = "/filter")]
fn filter(#[query(flatten)] filter: Filter) -> Option<u32> {
    filter.limit.filter(|_| !filter.q.is_empty())
}

#[qh::endpoint]
fn create(name: String, #[default(3)] qty: u32, note: Option<String>) {
    let _ = (name, qty, note);
}

#[qh::endpoint(path = "/orders")]
fn place(#[body] order: Order) -> Result<Order, qh::Error> {
    Ok(order)
}

#[qh::endpoint(method = "GET", path = "/page")]
fn page() -> axum::response::Html<&'static str> {
    axum::response::Html("<p>hi</p>")
}

#[qh::endpoint(method = "GET", path = "/opaque")]
fn opaque() -> impl axum::response::IntoResponse {
    "hi"
}

#[qh::endpoint(method = "GET", path = "/pair")]
fn pair() -> (u32, String) {
    (1, "one".into())
}

#[qh::endpoint(method = "GET", path = "/own-id")]
fn own_id(
    #[header("X-Corr")] request_id: qh::RequestId,
    #[extract] headers: axum::http::HeaderMap,
) -> String {
    let _ = headers;
    request_id.to_string()
}

#[qh::endpoint(task)]
async fn report(n: u64) -> u64 {
    n
}

#[qh::endpoint(task = "optional")]
async fn maybe(n: u64) -> u64 {
    n
}

/// Every body key optional or defaulted: a request with no body reads as
/// `{}`, so the document must not call the body required.
#[qh::endpoint]
fn tune(#[default(1)] level: u32, label: Option<String>) -> u32 {
    let _ = label;
    level
}

/// A raw header (no utoipa schema can exist for `HeaderValue`), and a
/// parameter reading the tracking header itself.
#[qh::endpoint(method = "GET", path = "/raw")]
fn raw(
    #[header("X-Raw")] raw: axum::http::HeaderValue,
    #[header("X-Request-ID")] sent: Option<String>,
) -> String {
    format!("{raw:?} {sent:?}")
}

#[derive(Deserialize, utoipa::ToSchema)]
struct Paging {
    page: Option<u32>,
}

/// A query struct whose schema is not one plain object (`allOf`).
#[derive(Deserialize, utoipa::ToSchema)]
struct Nested {
    q: String,
    #[serde(flatten)]
    paging: Paging,
}

#[qh::endpoint(method = "GET", path = "/nested")]
fn nested(#[query(flatten)] query: Nested) -> String {
    format!("{} {:?}", query.q, query.paging.page)
}

fn doc(document: qh::openapi::Document) -> Value {
    serde_json::from_str(&document.to_json()).expect("the document is JSON")
}

fn op<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "no {method} {path} in {doc:#}");
    op
}

fn param<'a>(op: &'a Value, name: &str) -> &'a Value {
    op["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no parameter {name} in {op:#}"))
}

#[test]
fn url_parameters_by_source_with_required_and_defaults() {
    let doc = doc(qh::openapi::document![search]);
    let op = op(&doc, "/search/{kind}", "get");
    assert_eq!(op["operationId"], "search");
    assert_eq!(op["summary"], "Searches.");
    assert_eq!(op["description"], "With every URL source.");
    let kind = param(op, "kind");
    assert_eq!(
        (&kind["in"], &kind["required"]),
        (&"path".into(), &true.into())
    );
    let per_page = param(op, "per_page");
    assert_eq!(per_page["in"], "query");
    assert_eq!(per_page["required"], false);
    assert_eq!(per_page["schema"]["default"], 20);
    let tag = param(op, "tag");
    assert_eq!(tag["schema"]["type"], "array");
    assert_eq!(
        (&tag["style"], &tag["explode"]),
        (&"form".into(), &true.into())
    );
    assert_eq!(tag["required"], false, "an absent list is empty");
    assert_eq!(param(op, "page")["required"], false);
    let tenant = param(op, "x-tenant");
    assert_eq!(
        (&tenant["in"], &tenant["required"]),
        (&"header".into(), &false.into())
    );
    assert_eq!(param(op, "x-key")["required"], true);
    assert!(op.get("requestBody").is_none());
    let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
    assert_eq!(statuses, ["200", "400", "500"], "no body: no 415 or 422");
    assert_eq!(
        op["responses"]["200"]["content"]["application/json"]["schema"]["type"],
        "array"
    );
}

#[test]
fn flattened_query_is_the_structs_properties() {
    let doc = doc(qh::openapi::document![filter]);
    let op = op(&doc, "/filter", "get");
    assert_eq!(param(op, "q")["required"], true);
    assert_eq!(param(op, "limit")["required"], false);
    assert_eq!(param(op, "q")["in"], "query");
}

#[test]
fn body_keys_are_one_object_and_body_is_the_type() {
    let doc = doc(qh::openapi::document![create, place]);
    let create = op(&doc, "/create", "post");
    let schema = &create["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["required"], serde_json::json!(["name"]));
    assert_eq!(schema["properties"]["qty"]["default"], 3);
    assert!(schema["properties"]["note"].is_object());
    assert_eq!(
        create["responses"]["200"]["content"]["application/json"]["schema"]["type"],
        "null"
    );
    assert!(create["responses"]["415"].is_object() && create["responses"]["422"].is_object());

    let place = op(&doc, "/orders", "post");
    let body = &place["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["required"], serde_json::json!(["item", "qty"]));
    let ok = &place["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(
        ok["properties"]["item"]["type"], "string",
        "Result<T, E> answers T"
    );
}

#[test]
fn into_response_returns_have_no_schema_and_tuples_are_arrays() {
    let doc = doc(qh::openapi::document![page, opaque, pair]);
    for path in ["/page", "/opaque"] {
        let ok = &op(&doc, path, "get")["responses"]["200"];
        assert!(ok.get("content").is_none(), "{path}: {ok:#}");
    }
    let pair =
        &op(&doc, "/pair", "get")["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(pair["prefixItems"][0]["type"], "integer");
    assert_eq!(pair["prefixItems"][1]["type"], "string");
}

/// The names of an operation's parameters.
fn names(op: &Value) -> Vec<&Value> {
    op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["name"])
        .collect()
}

#[test]
fn tracking_header_on_every_operation_and_response() {
    let tracking = qh::Tracking::new().header("X-Correlation-ID").max_len(64);
    let doc = doc(qh::openapi::document![search, own_id].tracking(&tracking));
    let search = op(&doc, "/search/{kind}", "get");
    // Sent: any value is accepted (a bad one is replaced, never refused),
    // so the schema refuses nothing; the rule is in the description.
    let id = param(search, "x-correlation-id");
    assert_eq!(
        (&id["in"], &id["required"]),
        (&"header".into(), &false.into())
    );
    assert_eq!(id["schema"], serde_json::json!({"type": "string"}));
    let rule = id["description"].as_str().unwrap();
    assert!(
        rule.contains("1 to 64 bytes") && rule.contains("replaced"),
        "{rule}"
    );
    // Echoed: on every response, required, what an ID in use can be.
    for (status, response) in search["responses"].as_object().unwrap() {
        let echo = &response["headers"]["x-correlation-id"];
        assert_eq!(echo["required"], true, "{status}");
        assert_eq!(echo["schema"]["minLength"], 1, "{status}");
        assert_eq!(echo["schema"]["maxLength"], 64, "{status}");
        assert_eq!(
            echo["schema"]["pattern"], "^[A-Za-z0-9._~:+/=@\\-]+$",
            "{status}"
        );
    }
    // Under a layer the layer resolves the ID: an endpoint's own ID
    // header is not read, and the layer's is documented (and echoed).
    let own = op(&doc, "/own-id", "get");
    assert_eq!(names(own), ["x-correlation-id"]);
    assert!(own["responses"]["200"]["headers"]["x-correlation-id"].is_object());
    // Through no layer, the endpoint reads and echoes its own header;
    // `#[extract]` parameters are not documented.
    let unlayered = self::doc(qh::openapi::document![own_id]);
    let own = op(&unlayered, "/own-id", "get");
    assert_eq!(names(own), ["x-corr"]);
    assert_eq!(
        own["responses"]["200"]["headers"]["x-corr"]["required"],
        true
    );
    // A custom validator's rule cannot be written down: visible ASCII,
    // and at least as long as the generated UUIDs.
    let custom = qh::Tracking::new()
        .validator(|id| id.starts_with('a'))
        .max_len(8);
    let doc = self::doc(qh::openapi::document![search].tracking(&custom));
    let echo = &op(&doc, "/search/{kind}", "get")["responses"]["200"]["headers"]["x-request-id"];
    assert_eq!(echo["schema"]["pattern"], "^[!-~]+$");
    assert_eq!(echo["schema"]["maxLength"], 36);
    // With a fallback header, an echo may be under it instead: neither is
    // required, both are listed.
    let fallback = qh::Tracking::new().fallback_header("X-Trace-Id");
    let doc = self::doc(qh::openapi::document![search].tracking(&fallback));
    let search = op(&doc, "/search/{kind}", "get");
    assert!(param(search, "x-trace-id")["schema"] == serde_json::json!({"type": "string"}));
    let headers = &search["responses"]["400"]["headers"];
    assert!(headers["x-request-id"]["required"].is_null());
    assert!(headers["x-trace-id"]["required"].is_null());
}

#[test]
fn problem_component_and_error_answers() {
    let doc = doc(qh::openapi::document![create]);
    let problem = &doc["components"]["schemas"]["Problem"];
    for key in ["type", "title", "status", "detail", "request_id"] {
        assert!(problem["properties"][key].is_object(), "{key}");
    }
    let create = op(&doc, "/create", "post");
    for status in ["400", "415", "422", "500"] {
        assert_eq!(
            create["responses"][status]["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem"
        );
    }
}

#[test]
fn task_endpoints_and_the_tasks_routes() {
    let doc = doc(qh::openapi::document![report, maybe]);
    let report = op(&doc, "/report", "post");
    let accepted = &report["responses"]["202"];
    assert!(report["responses"].get("200").is_none());
    assert!(accepted["headers"]["location"].is_object());
    let submitted = &accepted["content"]["application/json"]["schema"];
    assert_eq!(
        submitted["required"],
        serde_json::json!(["task_id", "status"])
    );
    let maybe = op(&doc, "/maybe", "post");
    assert!(maybe["responses"]["200"].is_object() && maybe["responses"]["202"].is_object());
    assert_eq!(param(maybe, "async")["in"], "query");
    assert_eq!(param(maybe, "x-async")["in"], "header");
    let mut names = Vec::new();
    for (path, method) in [
        ("/tasks/{task_id}/status", "get"),
        ("/tasks/{task_id}/result", "get"),
        ("/tasks/{task_id}", "get"),
        ("/tasks/{task_id}", "delete"),
        ("/tasks/", "get"),
    ] {
        let op = op(&doc, path, method);
        assert!(param(op, "x-request-id").is_object());
        names.push(
            op["x-python-signature"]["name"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let result = op(&doc, "/tasks/{task_id}/result", "get");
    for status in ["202", "404", "409"] {
        assert!(result["responses"][status].is_object(), "{status}");
    }
    // A wait that ends first is the 202 of a task not finished: no 408.
    assert!(result["responses"].get("408").is_none());
    let timeout = param(result, "timeout");
    assert_eq!(
        (&timeout["schema"]["minimum"], &timeout["schema"]["maximum"]),
        (&0.into(), &300.into())
    );
    let limit = param(op(&doc, "/tasks/", "get"), "limit");
    assert_eq!(
        (&limit["schema"]["minimum"], &limit["schema"]["maximum"]),
        (&0.into(), &1000.into())
    );
    // A result is any JSON (`null` while running, a number, a string…).
    let record = &op(&doc, "/tasks/{task_id}", "get")["responses"]["200"]["content"]
        ["application/json"]["schema"];
    assert_eq!(
        record["properties"]["result"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["description"],
        "{record:#}"
    );
    names.sort();
    names.dedup();
    assert_eq!(
        names.len(),
        5,
        "distinct names for Python qh's client: {names:?}"
    );
    // Without a task endpoint, no /tasks routes.
    let plain = self::doc(qh::openapi::document![create]);
    assert!(plain["paths"].get("/tasks/").is_none());
}

#[test]
fn python_signature_extension() {
    let doc = doc(qh::openapi::document![create, search]);
    let sig = &op(&doc, "/create", "post")["x-python-signature"];
    assert_eq!(sig["name"], "create");
    assert_eq!(sig["module"], "openapi_document");
    assert_eq!(sig["return_type"], "()");
    let params = sig["parameters"].as_array().unwrap();
    assert_eq!(
        params[0],
        serde_json::json!({"name": "name", "type": "String", "required": true})
    );
    assert_eq!(
        params[1],
        serde_json::json!({"name": "qty", "type": "u32", "required": false, "default": 3})
    );
    assert_eq!(params[2]["type"], "Option<String>");
    let search = &op(&doc, "/search/{kind}", "get")["x-python-signature"];
    assert_eq!(search["docstring"], "Searches.\n\nWith every URL source.");
    assert_eq!(search["return_type"], "Vec<String>");
}

#[test]
fn title_and_version() {
    let doc = doc(qh::openapi::document![create]);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "qh-tests");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let doc = self::doc(qh::openapi::document![create].title("shop").version("2.0"));
    assert_eq!(
        (&doc["info"]["title"], &doc["info"]["version"]),
        (&"shop".into(), &"2.0".into())
    );
}

#[test]
fn the_pattern_and_the_validator_agree() {
    let pattern = regex::Regex::new(&qh::openapi::id_pattern()).expect("a valid regex");
    // DESIGN §2's alphabet, written out here: a change to the validator's
    // constant cannot pass by changing the pattern with it.
    let alphabet = |b: u8| b.is_ascii_alphanumeric() || b"._~:+/=@-".contains(&b);
    // Every single byte, then pairs around each punctuation mark.
    let mut inputs: Vec<Vec<u8>> = (0u8..=255).map(|b| vec![b]).collect();
    for b in 0u8..=255 {
        inputs.push(vec![b'a', b, b'z']);
        inputs.push(vec![b, b'-', b]);
    }
    inputs.push(Vec::new());
    for input in &inputs {
        let rule = !input.is_empty() && input.iter().all(|b| alphabet(*b));
        let valid = qh::id::validate(input, usize::MAX).is_ok();
        let matches = std::str::from_utf8(input).is_ok_and(|s| pattern.is_match(s));
        assert_eq!((valid, matches), (rule, rule), "{input:?}");
    }
}

#[test]
fn a_body_of_optional_keys_is_not_required() {
    let doc = doc(qh::openapi::document![tune, create]);
    assert_eq!(op(&doc, "/tune", "post")["requestBody"]["required"], false);
    assert_eq!(op(&doc, "/create", "post")["requestBody"]["required"], true);
}

#[test]
fn a_header_without_a_schema_is_a_string_and_headers_are_listed_once() {
    let doc = doc(qh::openapi::document![raw]);
    let op = op(&doc, "/raw", "get");
    let raw = param(op, "x-raw");
    assert_eq!(
        (&raw["in"], &raw["required"]),
        (&"header".into(), &true.into())
    );
    assert_eq!(raw["schema"]["type"], "string");
    let ids = op["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter(|p| p["in"] == "header" && p["name"] == "x-request-id")
        .count();
    assert_eq!(ids, 1, "one x-request-id header parameter in {op:#}");
}

#[test]
fn task_operations_answer_503_when_the_store_is_unavailable() {
    let doc = doc(qh::openapi::document![report, maybe, create]);
    // Every operation that reads or writes the task store: the two task
    // endpoints and all five `/tasks` routes.
    for (path, method) in [
        ("/report", "post"),
        ("/maybe", "post"),
        ("/tasks/{task_id}/status", "get"),
        ("/tasks/{task_id}/result", "get"),
        ("/tasks/{task_id}", "get"),
        ("/tasks/{task_id}", "delete"),
        ("/tasks/", "get"),
    ] {
        let answer = &op(&doc, path, method)["responses"]["503"];
        assert!(
            answer["headers"]["retry-after"].is_object(),
            "{path}: {answer:#}"
        );
    }
    assert!(op(&doc, "/create", "post")["responses"]["503"].is_null());
}

#[test]
fn a_flattened_query_that_is_no_plain_object_is_one_form_parameter() {
    let doc = doc(qh::openapi::document![nested]);
    let op = op(&doc, "/nested", "get");
    let query: Vec<&Value> = op["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter(|p| p["in"] == "query")
        .collect();
    // utoipa writes a nested flatten as `allOf`: one exploded form
    // parameter of the whole schema, not a silently dropped query.
    assert_eq!(query.len(), 1, "{op:#}");
    assert_eq!(query[0]["name"], "query");
    assert_eq!(
        (&query[0]["style"], &query[0]["explode"]),
        (&"form".into(), &true.into())
    );
    assert!(query[0]["schema"]["allOf"].is_array(), "{op:#}");
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
struct Sizes {
    small: u8,
    count: u32,
    big: u64,
    delta: i16,
}

/// Every integer width, as a path, a query, a header and a body.
#[qh::endpoint(path = "/sizes/{id}")]
fn sizes(
    id: u64,
    #[query] page: u32,
    #[header("X-Level")] level: Option<u8>,
    #[body] sizes: Sizes,
) -> Sizes {
    let _ = (id, page, level);
    sizes
}

/// Finds an item.
///
/// # Examples
///
/// ```json
/// {"id": 7, "tenant": "acme", "verbose": true}
/// ```
///
/// # Errors
///
/// 404 when there is no such item, 409 when it is locked.
#[qh::endpoint(method = "GET", path = "/items/{id}", errors(404, 409))]
fn item(
    id: u64,
    #[header("X-Tenant")] tenant: String,
    #[query] verbose: Option<bool>,
) -> Result<String, qh::Error> {
    let _ = (tenant, verbose);
    Ok(id.to_string())
}

/// Places an order; no example in the doc comment: made from the types.
#[qh::endpoint(path = "/made")]
fn made(#[body] order: Order, #[header("X-Key")] key: String) -> Result<(), String> {
    let _ = (order, key);
    Ok(())
}

fn schema_at<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => schema,
    }
}

#[test]
fn integers_are_bounded_as_their_rust_types() {
    let doc = doc(qh::openapi::document![sizes]);
    let op = op(&doc, "/sizes/{id}", "post");
    let bounds = |schema: &Value| {
        (
            schema["format"].as_str().unwrap().to_owned(),
            schema["minimum"].clone(),
            schema["maximum"].clone(),
        )
    };
    let u64_max = serde_json::json!(u64::MAX);
    assert_eq!(
        bounds(&param(op, "id")["schema"]),
        ("uint64".into(), 0.into(), u64_max.clone())
    );
    assert_eq!(
        bounds(&param(op, "page")["schema"]),
        ("uint32".into(), 0.into(), u32::MAX.into())
    );
    // `Option<u8>` in a header: a `u8`, not `oneOf [null, …]` (no null
    // can be sent), and not required.
    let level = param(op, "x-level");
    assert_eq!(level["required"], false);
    assert_eq!(
        bounds(&level["schema"]),
        ("uint8".into(), 0.into(), 255.into())
    );
    let body = schema_at(
        &doc,
        &op["requestBody"]["content"]["application/json"]["schema"],
    );
    let field = |name: &str| bounds(&body["properties"][name]);
    assert_eq!(field("small"), ("uint8".into(), 0.into(), 255.into()));
    assert_eq!(field("count"), ("uint32".into(), 0.into(), u32::MAX.into()));
    assert_eq!(field("big"), ("uint64".into(), 0.into(), u64_max));
    assert_eq!(
        field("delta"),
        ("int16".into(), (-32768).into(), 32767.into())
    );
}

#[test]
fn own_error_statuses_and_the_default_problem() {
    let doc = doc(qh::openapi::document![item, made, search]);
    let item = op(&doc, "/items/{id}", "get");
    for status in ["404", "409", "default"] {
        assert_eq!(
            item["responses"][status]["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem",
            "{status}"
        );
        assert!(item["responses"][status]["headers"]["x-request-id"].is_object());
    }
    // An error type that is not `qh::Error` (`String` answers text/plain)
    // answers a `default` whose content is not described (no problem
    // document claimed); a function without one has none.
    let other = &op(&doc, "/made", "post")["responses"]["default"];
    assert!(
        other.is_object() && other.get("content").is_none(),
        "{other:#}"
    );
    assert!(op(&doc, "/search/{kind}", "get")["responses"]
        .get("default")
        .is_none());
}

#[test]
fn examples_from_the_doc_comment_or_the_types() {
    let doc = doc(qh::openapi::document![item, made]);
    // The doc comment's block: its keys are the function's parameters.
    let item = op(&doc, "/items/{id}", "get");
    assert_eq!(param(item, "id")["example"], 7);
    assert_eq!(param(item, "x-tenant")["example"], "acme");
    assert_eq!(param(item, "verbose")["example"], true);
    // None given: made from the types, for what is required.
    let made = op(&doc, "/made", "post");
    assert_eq!(param(made, "x-key")["example"], "string");
    assert_eq!(
        made["requestBody"]["content"]["application/json"]["example"],
        serde_json::json!({"item": "string", "qty": 1})
    );
}

/// A plain axum route of the user's, documented with utoipa.
#[utoipa::path(get, path = "/health", responses((status = 200, body = String)))]
#[allow(dead_code)]
async fn health() -> &'static str {
    "ok"
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(health), components(schemas(Paging)))]
struct ApiDoc;

#[test]
fn a_users_own_document_is_merged() {
    use utoipa::OpenApi as _;
    let doc = doc(qh::openapi::document![create]
        .merge(ApiDoc::openapi())
        .title("shop"));
    assert!(op(&doc, "/health", "get").is_object());
    assert!(op(&doc, "/create", "post").is_object());
    assert!(doc["components"]["schemas"]["Paging"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert_eq!(doc["info"]["title"], "shop");
}
