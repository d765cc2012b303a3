//! The task side of the document: a task endpoint's `202` submission,
//! the `async` flags of `task = "optional"`, and the `/tasks` routes'
//! operations (`crate::tasks::router`), each with a distinct
//! `x-python-signature` name so Python qh's client keeps them apart.

use serde_json::json;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn, ParameterStyle};
use utoipa::openapi::schema::{Object, Schema, Type};
use utoipa::openapi::{Content, HttpMethod, RefOr, Required, Response};

use super::problem;
use super::signature::{Signature, SignatureParam};
use crate::tasks::http::table;
use crate::tasks::{DEFAULT_LIST_LIMIT, DEFAULT_WAIT, MAX_LIST_LIMIT, MAX_WAIT};

fn typed(ty: Type) -> Object {
    Object::with_type(ty)
}

/// Any JSON value (`{}`): a task's result is whatever its function
/// returned, `null` included.
fn any_json(description: &str) -> Object {
    let mut any = Object::with_type(utoipa::openapi::schema::SchemaType::AnyValue);
    any.description = Some(description.to_owned());
    any
}

/// A task's status, one of its five words.
fn status_word() -> Object {
    let mut status = typed(Type::String);
    status.enum_values = Some(
        ["pending", "running", "completed", "failed", "cancelled"]
            .map(|v| json!(v))
            .to_vec(),
    );
    status
}

/// A string that is one of `words`.
fn one_of(words: &[&str]) -> Object {
    let mut word = typed(Type::String);
    word.enum_values = Some(words.iter().map(|w| json!(w)).collect());
    word
}

fn bounded(mut schema: Object, min: f64, max: f64) -> Object {
    schema.minimum = Some(number(min));
    schema.maximum = Some(number(max));
    schema
}

fn number(value: f64) -> utoipa::Number {
    // Whole bounds as integers, so `integer` schemas keep whole bounds.
    if value.fract() == 0.0 && (0.0..1e15).contains(&value) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return utoipa::Number::UInt(value as usize);
    }
    utoipa::Number::Float(value)
}

fn nullable(ty: Type) -> Object {
    Object::with_type(utoipa::openapi::schema::SchemaType::from_iter([
        ty,
        Type::Null,
    ]))
}

fn object(properties: &[(&str, Object)], required: &[&str]) -> RefOr<Schema> {
    let mut object = Object::with_type(Type::Object);
    for (name, schema) in properties {
        object
            .properties
            .insert((*name).to_owned(), RefOr::T(Schema::Object(schema.clone())));
    }
    object.required = required.iter().map(|s| (*s).to_owned()).collect();
    RefOr::T(Schema::Object(object))
}

fn json_response(description: &str, schema: RefOr<Schema>) -> Response {
    let mut response = Response::new(description);
    response.content.insert(
        "application/json".to_owned(),
        RefOr::T(Content::new(Some(schema))),
    );
    response
}

/// `202`: `{"task_id", "status": "submitted", "request_id"}` and
/// `Location: /tasks/{task_id}` (`crate::tasks::Submitted`).
pub(crate) fn submitted_response() -> Response {
    let mut status = typed(Type::String);
    status.enum_values = Some(vec![json!("submitted")]);
    let mut response = json_response(
        "Submitted: the task runs in the background; poll `/tasks/{task_id}/result`",
        object(
            &[
                ("task_id", typed(Type::String)),
                ("status", status),
                ("request_id", nullable(Type::String)),
            ],
            &["task_id", "status"],
        ),
    );
    let mut location = Header::new(RefOr::T(Schema::Object(typed(Type::String))));
    location.description = Some("`/tasks/{task_id}`: the task's record".to_owned());
    response
        .headers
        .insert("location".to_owned(), RefOr::T(location));
    response
}

fn flag(name: &str, place: ParameterIn, description: &str) -> Parameter {
    let mut param = Parameter::new(name);
    param.parameter_in = place;
    param.required = Required::False;
    param.description = Some(description.to_owned());
    // No enum: the flag rule (`crate::extract::parse_bool`) takes any case
    // and whitespace around the word, which a closed list would refuse.
    param.schema = Some(RefOr::T(Schema::Object(typed(Type::String))));
    param
}

/// `?async=` and `X-Async:` of a `task = "optional"` endpoint (the query
/// wins; `crate::tasks::parse_async_flag`).
pub(crate) fn async_flags() -> Vec<Parameter> {
    vec![
        flag(
            "async",
            ParameterIn::Query,
            "A flag (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, any case): true runs the call as a task and answers 202",
        ),
        flag(
            "x-async",
            ParameterIn::Header,
            "As `?async=`, read when the query has no `async` flag",
        ),
    ]
}

/// `Idempotency-Key:` of a task endpoint (`crate::tasks::CallerTasks`).
pub(crate) fn idempotency_key() -> Parameter {
    let mut param = Parameter::new("idempotency-key");
    param.parameter_in = ParameterIn::Header;
    param.required = Required::False;
    param.description = Some(
        "The same key from the same caller answers the first submission's task instead of running another (IETF httpapi draft); with another request, 422"
            .to_owned(),
    );
    let mut schema = typed(Type::String);
    schema.min_length = Some(1);
    schema.max_length = Some(512);
    // What `tasks::caller` takes: a bare token of visible ASCII without
    // `"` or `\`, or a structured-field string (`"…"`, `\"` and `\\`
    // escaped); 1 to 255 characters either way.
    schema.pattern = Some(KEY_PATTERN.to_owned());
    param.schema = Some(RefOr::T(Schema::Object(schema)));
    param
}

/// The `Idempotency-Key` values the server takes, as an ECMA-262 pattern.
const KEY_PATTERN: &str = r#"^(?:[!#-\[\]-~]{1,255}|"(?:[ !#-\[\]-~]|\\["\\]){1,255}")$"#;

fn query(name: &str, schema: Object, description: &str) -> Parameter {
    let mut param = Parameter::new(name);
    param.parameter_in = ParameterIn::Query;
    param.required = Required::False;
    param.description = Some(description.to_owned());
    param.style = Some(ParameterStyle::Form);
    param.schema = Some(RefOr::T(Schema::Object(schema)));
    param
}

fn task_id() -> Parameter {
    let mut param = Parameter::new("task_id");
    param.parameter_in = ParameterIn::Path;
    param.required = Required::True;
    param.schema = Some(RefOr::T(Schema::Object(typed(Type::String))));
    param
}

fn with_default(mut schema: Object, default: serde_json::Value) -> Object {
    schema.default = Some(default);
    schema
}

fn record_schema() -> RefOr<Schema> {
    let result = any_json("The function's return value once completed, else `null`");
    object(
        &[
            ("task_id", typed(Type::String)),
            ("status", status_word()),
            ("created_at", typed(Type::Number)),
            ("started_at", nullable(Type::Number)),
            ("completed_at", nullable(Type::Number)),
            ("result", result),
            ("error", nullable(Type::String)),
            ("request_id", nullable(Type::String)),
            ("endpoint", typed(Type::String)),
            ("attempt", attempt()),
            ("max_attempts", typed(Type::Integer)),
        ],
        &["task_id", "status", "created_at"],
    )
}

/// Which attempt runs or ran last (0 before the first).
fn attempt() -> Object {
    let mut attempt = typed(Type::Integer);
    attempt.description = Some(
        "Which attempt runs (or ran last): 1 the first time, one more each time it runs again"
            .to_owned(),
    );
    attempt
}

struct Route {
    path: &'static str,
    method: HttpMethod,
    name: &'static str,
    summary: &'static str,
    params: Vec<Parameter>,
    responses: Vec<(String, Response)>,
}

/// A route's parameter, as the document describes it.
fn param(param: table::Param) -> Parameter {
    match param {
        table::Param::TaskId => task_id(),
        table::Param::Wait => query(
            "wait",
            with_default(typed(Type::Boolean), json!(false)),
            "Wait for the task to finish",
        ),
        table::Param::Timeout => query(
            "timeout",
            with_default(
                bounded(typed(Type::Number), 0.0, MAX_WAIT.as_secs_f64()),
                json!(DEFAULT_WAIT.as_secs_f64()),
            ),
            "How long to wait, in seconds",
        ),
        table::Param::Limit => query(
            "limit",
            with_default(
                bounded(typed(Type::Integer), 0.0, MAX_LIST_LIMIT as f64),
                json!(DEFAULT_LIST_LIMIT),
            ),
            "How many to list",
        ),
        table::Param::RequestId => query(
            "request_id",
            typed(Type::String),
            "Only the tasks submitted by this request",
        ),
    }
}

/// An answer of a route, as the document describes it.
fn answer(status: u16, description: &str, shape: table::Shape) -> Response {
    let schema = match shape {
        table::Shape::Problem if status == 429 => {
            return problem::with_retry_after(problem::response(description));
        }
        table::Shape::Problem => return problem::response(description),
        table::Shape::Status => object(
            &[
                ("task_id", typed(Type::String)),
                ("status", status_word()),
                ("created_at", typed(Type::Number)),
                ("started_at", nullable(Type::Number)),
                ("completed_at", nullable(Type::Number)),
                ("attempt", attempt()),
                ("max_attempts", typed(Type::Integer)),
            ],
            &["task_id", "status"],
        ),
        table::Shape::Done => object(
            &[
                ("task_id", typed(Type::String)),
                ("status", one_of(&["completed"])),
                ("result", any_json("The function's return value")),
            ],
            &["task_id", "status", "result"],
        ),
        table::Shape::NotYet => object(
            &[
                ("task_id", typed(Type::String)),
                ("status", one_of(&["pending", "running"])),
                ("message", typed(Type::String)),
            ],
            &["task_id", "status", "message"],
        ),
        table::Shape::Record => record_schema(),
        table::Shape::Deleted => object(
            &[
                ("task_id", typed(Type::String)),
                ("status", one_of(&["deleted"])),
            ],
            &["task_id", "status"],
        ),
        table::Shape::List => {
            let mut tasks_list = Object::with_type(Type::Object);
            tasks_list.properties.insert(
                "tasks".to_owned(),
                RefOr::T(Schema::Array(utoipa::openapi::schema::Array::new(
                    record_schema(),
                ))),
            );
            tasks_list.required = vec!["tasks".to_owned()];
            RefOr::T(Schema::Object(tasks_list))
        }
    };
    json_response(description, schema)
}

/// The routes, from the table the router mounts them from.
fn routes() -> Vec<Route> {
    table::ROUTES
        .iter()
        .map(|route| Route {
            path: route.path,
            method: if route.method == http::Method::DELETE {
                HttpMethod::Delete
            } else {
                HttpMethod::Get
            },
            name: route.name,
            summary: route.summary,
            params: route.params.iter().copied().map(param).collect(),
            responses: route
                .answers
                .iter()
                .map(|(status, description, shape)| {
                    (status.to_string(), answer(*status, description, *shape))
                })
                .collect(),
        })
        .collect()
}

fn signature(route: &Route) -> Signature {
    let mut signature = Signature::new(route.name);
    signature.module = "qh::tasks";
    signature.docstring = route.summary.to_owned();
    signature.return_type = "serde_json::Value";
    for param in &route.params {
        let (name, ty) = match param.name.as_str() {
            "task_id" => ("task_id", "String"),
            "wait" => ("wait", "bool"),
            "timeout" => ("timeout", "f64"),
            "limit" => ("limit", "usize"),
            _ => ("request_id", "Option<String>"),
        };
        let default = match &param.schema {
            Some(RefOr::T(Schema::Object(o))) => o.default.clone(),
            _ => None,
        };
        let required = param.required == Required::True;
        signature.param(SignatureParam::new(name, ty, required, default));
    }
    signature
}

/// The `/tasks` routes' operations: `(path, method, operation)`.
pub(crate) fn operations() -> Vec<(&'static str, HttpMethod, Operation)> {
    routes()
        .into_iter()
        .map(|route| {
            let mut op = Operation::new();
            op.operation_id = Some(route.name.to_owned());
            op.summary = Some(route.summary.to_owned());
            op.tags = Some(vec!["tasks".to_owned()]);
            op.extensions = Some(signature(&route).extension());
            op.parameters = Some(route.params.iter().cloned().map(RefOr::T).collect());
            let mut responses = route.responses;
            responses.push((
                "400".to_owned(),
                problem::response("The task ID or a query parameter cannot be read"),
            ));
            responses.push(("503".to_owned(), problem::store_unavailable()));
            op.responses.responses = responses
                .into_iter()
                .map(|(status, response)| (status, RefOr::T(response)))
                .collect();
            (route.path, route.method, op)
        })
        .collect()
}
