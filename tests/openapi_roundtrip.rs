//! The document checked against the server it describes, on the app of
//! `examples/openapi_forms` (every parameter source and return shape,
//! under a `Tracking` layer with its own header, and an endpoint naming
//! its own ID header): for every operation, `/tasks` included, a request
//! built from the document alone, once with only the required parameters
//! and once with all of them, is answered with a documented status, the
//! documented content type, a body valid against the documented schema
//! (JSON Schema 2020-12, `$ref`s resolved in the document) and every
//! response header the document requires, valid too.
//!
//! With `QH_OPENAPI_RECORD=dir`, the document and every answer are written
//! there (`openapi.json`, `answers.json`): CI checks them with
//! openapi-typescript's types (`.ci/openapi/typescript/`).

#[path = "../examples/openapi_forms/forms.rs"]
mod forms;

use axum::body::Body;
use axum::http::{HeaderMap, Request};
use axum::Router;
use serde_json::{json, Value};
use tower::ServiceExt;

/// The ID every request sends, under the layer's header.
const SENT: &str = "rt-7f3a";

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, 1 << 24).await.unwrap().to_vec();
    Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    }
}

async fn document(app: &Router) -> Value {
    let answer = send(
        app,
        Request::get("/openapi.json").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(answer.status, 200);
    serde_json::from_slice(&answer.body).unwrap()
}

/// A JSON pointer token (RFC 6901).
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Whether `value` is valid against the schema at `pointer` in `doc`:
/// the document itself is the root schema (its other members are unknown
/// keywords), so `#/components/...` references resolve in it.
fn check(doc: &Value, pointer: &str, value: &Value) -> Result<(), String> {
    let mut root = doc.clone();
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    // A pointer in a URI fragment: `{` and `}` percent-encoded.
    let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
    root["$ref"] = json!(format!("#{fragment}"));
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .map_err(|e| format!("the schema at {pointer} does not compile: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{value} against {pointer}: {errors:?}"))
    }
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap(),
        None => schema,
    }
}

/// A value of `schema`, as a client reading only the document would make
/// one (its `example` is preferred by the caller): independent of qh's
/// own example maker.
fn value_of(doc: &Value, schema: &Value) -> Value {
    let schema = resolve(doc, schema);
    if let Some(value) = schema.get("default").or_else(|| schema.get("example")) {
        return value.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|v| v.first()) {
        return first.clone();
    }
    if let Some(items) = schema["oneOf"].as_array() {
        let some = items.iter().find(|s| s["type"] != "null").unwrap();
        return value_of(doc, some);
    }
    let ty = match &schema["type"] {
        Value::Array(types) => types.iter().find(|t| *t != "null").cloned().unwrap(),
        ty => ty.clone(),
    };
    match ty.as_str() {
        Some("integer") => json!(schema["minimum"].as_i64().unwrap_or(0).max(2)),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("string") => json!("abc"),
        Some("array") => json!([value_of(doc, &schema["items"])]),
        Some("object") => {
            let mut object = serde_json::Map::new();
            for key in schema["required"].as_array().into_iter().flatten() {
                let key = key.as_str().unwrap();
                object.insert(key.to_owned(), value_of(doc, &schema["properties"][key]));
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

/// One operation of the document.
struct Op {
    path: String,
    method: String,
    op: Value,
}

fn operations(doc: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push(Op {
                path: path.clone(),
                method: method.clone(),
                op: op.clone(),
            });
        }
    }
    // Deleting a task last: the other task routes read it first.
    ops.sort_by_key(|op| op.method == "delete");
    ops
}

/// The request for `op`: each parameter from its `example` or schema,
/// only the required ones unless `all`; `{task_id}` is `task`.
fn request(doc: &Value, op: &Op, all: bool, task: &str) -> (String, Request<Body>) {
    let mut uri = op.path.replace("{task_id}", task);
    let mut query = Vec::new();
    let mut builder = Request::builder().method(op.method.to_uppercase().as_str());
    for param in op.op["parameters"].as_array().into_iter().flatten() {
        let name = param["name"].as_str().unwrap();
        let required = param["required"] == true;
        if name == "x-correlation-id" {
            builder = builder.header(name, SENT);
            continue;
        }
        if !required && !all {
            continue;
        }
        let value = param
            .get("example")
            .cloned()
            .unwrap_or_else(|| value_of(doc, &param["schema"]));
        match param["in"].as_str().unwrap() {
            "path" => uri = uri.replace(&format!("{{{name}}}"), &text(&value)),
            "query" => match value {
                Value::Array(items) => {
                    query.extend(items.iter().map(|v| format!("{name}={}", text(v))));
                }
                Value::Object(fields) => {
                    query.extend(fields.iter().map(|(k, v)| format!("{k}={}", text(v))));
                }
                v => query.push(format!("{name}={}", text(&v))),
            },
            "header" => builder = builder.header(name, text(&value)),
            other => panic!("unexpected place {other}"),
        }
    }
    if !query.is_empty() {
        uri = format!("{uri}?{}", query.join("&"));
    }
    let body = match op.op.get("requestBody") {
        Some(body) if all || body["required"] == true => {
            builder = builder.header("content-type", "application/json");
            let content = &body["content"]["application/json"];
            let value = content
                .get("example")
                .cloned()
                .unwrap_or_else(|| value_of(doc, &content["schema"]));
            Body::from(value.to_string())
        }
        _ => Body::empty(),
    };
    (uri.clone(), builder.uri(&uri).body(body).unwrap())
}

/// Checks `answer` against what `op` documents; returns the record
/// `.ci/openapi/typescript` types.
fn conforms(doc: &Value, op: &Op, uri: &str, answer: &Answer) -> Result<Value, String> {
    let what = format!("{} {uri} → {}", op.method.to_uppercase(), answer.status);
    let status = answer.status.to_string();
    let key = if op.op["responses"].get(&status).is_some() {
        status
    } else if op.op["responses"].get("default").is_some() && answer.status >= 400 {
        "default".to_owned()
    } else {
        return Err(format!("{what}: status not documented"));
    };
    let response = &op.op["responses"][&key];
    let base = format!(
        "/paths/{}/{}/responses/{}",
        token(&op.path),
        op.method,
        token(&key)
    );
    for (name, header) in response["headers"].as_object().into_iter().flatten() {
        let value = answer.headers.get(name.as_str());
        if header["required"] == true && value.is_none() {
            return Err(format!("{what}: required header `{name}` missing"));
        }
        if let Some(value) = value {
            let value = json!(value.to_str().unwrap());
            check(
                doc,
                &format!("{base}/headers/{}/schema", token(name)),
                &value,
            )
            .map_err(|e| format!("{what}: header {name}: {e}"))?;
        }
    }
    let content_type = answer
        .headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    let documented = response["content"].as_object();
    let mut body = Value::Null;
    let mut typed = None;
    match (documented, &content_type) {
        (Some(content), Some(ct)) if !content.is_empty() => {
            typed = Some(ct.clone());
            if content.get(ct).is_none() {
                return Err(format!("{what}: content type {ct} not documented"));
            }
            body = serde_json::from_slice(&answer.body)
                .map_err(|e| format!("{what}: body is not JSON: {e}"))?;
            check(doc, &format!("{base}/content/{}/schema", token(ct)), &body)
                .map_err(|e| format!("{what}: {e}"))?;
        }
        // No content documented: an `IntoResponse` answered as it is.
        _ => {}
    }
    Ok(json!({
        "path": op.path,
        "method": op.method,
        "status": key,
        // The documented content type the body was checked under.
        "content_type": typed,
        "body": body,
    }))
}

/// Submits a task through the document's own operation and returns its ID.
async fn submit(app: &Router, doc: &Value) -> String {
    let ops = operations(doc);
    let count = ops.iter().find(|op| op.path == "/count").unwrap();
    let (_, req) = request(doc, count, false, "");
    let answer = send(app, req).await;
    assert_eq!(answer.status, 202);
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    body["task_id"].as_str().unwrap().to_owned()
}

async fn finished(app: &Router, task: &str) {
    for _ in 0..500 {
        let uri = format!("/tasks/{task}/status");
        let answer = send(app, Request::get(uri).body(Body::empty()).unwrap()).await;
        let body: Value = serde_json::from_slice(&answer.body).unwrap();
        if body["status"] == "completed" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("task {task} did not finish");
}

#[tokio::test]
async fn every_answer_is_what_the_document_says() {
    let app = forms::app();
    let doc = document(&app).await;
    let ops = operations(&doc);
    let mut records = Vec::new();
    let mut failures = Vec::new();
    for all in [false, true] {
        let task = submit(&app, &doc).await;
        finished(&app, &task).await;
        for op in &ops {
            let (uri, req) = request(&doc, op, all, &task);
            let answer = send(&app, req).await;
            match conforms(&doc, op, &uri, &answer) {
                Ok(record) => records.push(record),
                Err(e) => failures.push(e),
            }
            // Every answer echoes the ID sent, under the layer's header.
            assert_eq!(
                answer
                    .headers
                    .get("x-correlation-id")
                    .map(|v| v.to_str().unwrap()),
                Some(SENT),
                "{uri}"
            );
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // Every operation answered twice, each documented.
    assert_eq!(records.len(), 2 * ops.len());
    assert!(ops.len() >= 18, "{} operations", ops.len());
    for path in ["/tasks/{task_id}", "/tasks/{task_id}/result", "/tasks/"] {
        assert!(ops.iter().any(|op| op.path == path), "{path}");
    }
    record("every", &doc, &records);
}

/// With `QH_OPENAPI_RECORD=dir`: the document and the checked answers,
/// for `.ci/openapi/typescript` (one answers file per test).
fn record(test: &str, doc: &Value, records: &[Value]) {
    if let Some(dir) = std::env::var_os("QH_OPENAPI_RECORD") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("openapi.json"), doc.to_string()).unwrap();
        let file = dir.join(format!("answers-{test}.json"));
        std::fs::write(file, json!(records).to_string()).unwrap();
    }
}

/// The answers that are not the happy path: a running task's record and
/// result, a long poll that ends first, the function's own 404, the
/// default problem, 422 and 400 problems, and `2.0` for an integer.
#[tokio::test]
async fn error_and_waiting_answers_are_documented_too() {
    let app = forms::app();
    let doc = document(&app).await;
    let ops = operations(&doc);
    let find = |path: &str, method: &str| {
        ops.iter()
            .find(|op| op.path == path && op.method == method)
            .unwrap_or_else(|| panic!("{method} {path}"))
    };
    let mut failures = Vec::new();
    let mut records = Vec::new();
    let mut ask = async |path: &str, method: &str, uri: String, body: Option<Value>| {
        let mut builder = Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(&uri)
            .header("x-correlation-id", SENT);
        let body = match body {
            Some(body) => {
                builder = builder.header("content-type", "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let answer = send(&app, builder.body(body).unwrap()).await;
        match conforms(&doc, find(path, method), &uri, &answer) {
            Ok(record) => records.push(record),
            Err(e) => failures.push(e),
        }
        answer.status
    };
    // A task still running: its record (`result: null`), its result (202),
    // and a long poll that ends first (202, not 408).
    let count = ask("/count", "post", "/count".into(), Some(json!({"n": 200}))).await;
    assert_eq!(count, 202);
    let tasks = send(
        &app,
        Request::get("/tasks/?limit=1").body(Body::empty()).unwrap(),
    )
    .await;
    let listed = tasks.status;
    let submitted = {
        let answer = send(
            &app,
            Request::post("/count")
                .header("content-type", "application/json")
                .body(Body::from(r#"{"n": 250}"#))
                .unwrap(),
        )
        .await;
        let body: Value = serde_json::from_slice(&answer.body).unwrap();
        body["task_id"].as_str().unwrap().to_owned()
    };
    let whole = format!("/tasks/{submitted}");
    assert_eq!(ask("/tasks/{task_id}", "get", whole, None).await, 200);
    let result = format!("/tasks/{submitted}/result");
    assert_eq!(
        ask("/tasks/{task_id}/result", "get", result, None).await,
        202
    );
    let waited = format!("/tasks/{submitted}/result?wait=true&timeout=0.05");
    assert_eq!(
        ask("/tasks/{task_id}/result", "get", waited, None).await,
        202
    );
    // Out of the documented bounds: refused, as the document says.
    let over = format!("/tasks/{submitted}/result?timeout=301");
    assert_eq!(ask("/tasks/{task_id}/result", "get", over, None).await, 400);
    assert_eq!(
        ask("/tasks/", "get", "/tasks/?limit=1001".into(), None).await,
        400
    );
    assert_eq!(listed, 404, "listing is off by default");
    assert_eq!(
        ask("/tasks/{task_id}", "get", "/tasks/nope".into(), None).await,
        404
    );
    // The function's own 404, documented by `errors(404)`.
    assert_eq!(
        ask("/items/{id}", "get", "/items/0".into(), None).await,
        404
    );
    // A body key of the wrong type (422), a header that cannot be read
    // (400), a path value out of range (400).
    let add = ask(
        "/add",
        "post",
        "/add".into(),
        Some(json!({"a": "x", "b": 1})),
    )
    .await;
    assert_eq!(add, 422);
    assert_eq!(
        ask(
            "/items/{id}",
            "get",
            "/items/18446744073709551616".into(),
            None
        )
        .await,
        400
    );
    // `2.0` is an integer, in a body key, a `#[body]` type and a path.
    let add = ask(
        "/add",
        "post",
        "/add".into(),
        Some(json!({"a": 1, "b": 2.0})),
    )
    .await;
    assert_eq!(add, 200);
    let item = json!({"name": "n", "stock": 2.0, "tags": [], "grams": 5.0});
    let mut put = Request::put("/items/3.0")
        .header("content-type", "application/json")
        .header("x-tenant", "t");
    put = put.header("x-correlation-id", SENT);
    let answer = send(&app, put.body(Body::from(item.to_string())).unwrap()).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert!(failures.is_empty(), "{failures:#?}");
    record("errors", &doc, &records);
}

/// The endpoint that names its own ID header, under a layer with
/// another: the layer's header is read and echoed, as the document says.
#[tokio::test]
async fn an_endpoint_with_its_own_id_header_under_a_layer() {
    let app = forms::app();
    let doc = document(&app).await;
    let op = &doc["paths"]["/whoami"]["get"];
    let names: Vec<&str> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["x-correlation-id"]);
    let answer = send(
        &app,
        Request::get("/whoami")
            .header("x-correlation-id", SENT)
            .header("x-corr", "ignored-1")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 200);
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(body, SENT);
    assert_eq!(answer.headers["x-correlation-id"], SENT);
    assert!(answer.headers.get("x-corr").is_none());
}

/// The check fails when a schema is wrong: a record whose `created_at`
/// the document would call a string is refused.
#[test]
fn a_wrong_schema_fails_the_check() {
    let doc = json!({
        "components": {"schemas": {"T": {"type": "object", "required": ["n"],
            "properties": {"n": {"type": "string"}}}}},
        "paths": {"/t": {"get": {"responses": {"200": {"content": {"application/json":
            {"schema": {"$ref": "#/components/schemas/T"}}}}}}}}
    });
    let pointer = "/paths/~1t/get/responses/200/content/application~1json/schema";
    assert!(check(&doc, pointer, &json!({"n": "x"})).is_ok());
    assert!(check(&doc, pointer, &json!({"n": 1})).is_err());
    assert!(check(&doc, pointer, &json!({})).is_err());
}
