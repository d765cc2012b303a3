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
        ],
        &["task_id", "status", "created_at"],
    )
}

struct Route {
    path: &'static str,
    method: HttpMethod,
    name: &'static str,
    summary: &'static str,
    params: Vec<Parameter>,
    responses: Vec<(&'static str, Response)>,
}

fn not_found() -> (&'static str, Response) {
    (
        "404",
        problem::response("No such task (or not the caller's)"),
    )
}

fn routes() -> Vec<Route> {
    let status = object(
        &[
            ("task_id", typed(Type::String)),
            ("status", status_word()),
            ("created_at", typed(Type::Number)),
            ("started_at", nullable(Type::Number)),
            ("completed_at", nullable(Type::Number)),
        ],
        &["task_id", "status"],
    );
    let mut completed = typed(Type::String);
    completed.enum_values = Some(vec![json!("completed")]);
    let done = object(
        &[
            ("task_id", typed(Type::String)),
            ("status", completed),
            ("result", any_json("The function's return value")),
        ],
        &["task_id", "status", "result"],
    );
    let mut unfinished = typed(Type::String);
    unfinished.enum_values = Some(vec![json!("pending"), json!("running")]);
    let waiting = object(
        &[
            ("task_id", typed(Type::String)),
            ("status", unfinished),
            ("message", typed(Type::String)),
        ],
        &["task_id", "status", "message"],
    );
    let mut deleted_word = typed(Type::String);
    deleted_word.enum_values = Some(vec![json!("deleted")]);
    let deleted = object(
        &[("task_id", typed(Type::String)), ("status", deleted_word)],
        &["task_id", "status"],
    );
    let mut tasks_list = Object::with_type(Type::Object);
    tasks_list.properties.insert(
        "tasks".to_owned(),
        RefOr::T(Schema::Array(utoipa::openapi::schema::Array::new(
            record_schema(),
        ))),
    );
    tasks_list.required = vec!["tasks".to_owned()];
    vec![
        Route {
            path: "/tasks/{task_id}/status",
            method: HttpMethod::Get,
            name: "task_status",
            summary: "A task's status",
            params: vec![task_id()],
            responses: vec![
                ("200", json_response("The task's status", status)),
                not_found(),
            ],
        },
        Route {
            path: "/tasks/{task_id}/result",
            method: HttpMethod::Get,
            name: "task_result",
            summary: "A task's result, optionally waiting for it",
            params: vec![
                task_id(),
                query(
                    "wait",
                    with_default(typed(Type::Boolean), json!(false)),
                    "Wait for the task to finish",
                ),
                query(
                    "timeout",
                    with_default(
                        bounded(typed(Type::Number), 0.0, MAX_WAIT.as_secs_f64()),
                        json!(DEFAULT_WAIT.as_secs_f64()),
                    ),
                    "How long to wait, in seconds",
                ),
            ],
            responses: vec![
                ("200", json_response("Completed: the result", done)),
                (
                    "202",
                    json_response(
                        "Not finished yet (also when a wait ends first): ask again",
                        waiting,
                    ),
                ),
                not_found(),
                ("409", problem::response("The task was cancelled")),
                ("500", problem::response("The task failed")),
            ],
        },
        Route {
            path: "/tasks/{task_id}",
            method: HttpMethod::Get,
            name: "get_task",
            summary: "A task's whole record",
            params: vec![task_id()],
            responses: vec![
                ("200", json_response("The record", record_schema())),
                not_found(),
            ],
        },
        Route {
            path: "/tasks/{task_id}",
            method: HttpMethod::Delete,
            name: "delete_task",
            summary: "Cancels a task if running, and removes it",
            params: vec![task_id()],
            responses: vec![("200", json_response("Deleted", deleted)), not_found()],
        },
        Route {
            path: "/tasks/",
            method: HttpMethod::Get,
            name: "list_tasks",
            summary: "The tasks, newest first (when listing is on)",
            params: vec![
                query(
                    "limit",
                    with_default(
                        bounded(typed(Type::Integer), 0.0, MAX_LIST_LIMIT as f64),
                        json!(DEFAULT_LIST_LIMIT),
                    ),
                    "How many to list",
                ),
                query(
                    "request_id",
                    typed(Type::String),
                    "Only the tasks submitted by this request",
                ),
            ],
            responses: vec![
                (
                    "200",
                    json_response("The tasks", RefOr::T(Schema::Object(tasks_list))),
                ),
                ("404", problem::response("Listing is off")),
            ],
        },
    ]
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
                "400",
                problem::response("The task ID or a query parameter cannot be read"),
            ));
            responses.push(("503", problem::store_unavailable()));
            op.responses.responses = responses
                .into_iter()
                .map(|(status, response)| (status.to_owned(), RefOr::T(response)))
                .collect();
            (route.path, route.method, op)
        })
        .collect()
}
