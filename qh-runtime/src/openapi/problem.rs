//! The `Problem` component (the `application/problem+json` document of
//! `crate::error`) and the error answers qh gives by itself.

use utoipa::openapi::schema::{AdditionalProperties, Object, Schema, Type};
use utoipa::openapi::{Content, Ref, RefOr, Response};

use super::schema::Failure;

/// The component's name.
pub(crate) const NAME: &str = "Problem";

fn string() -> RefOr<Schema> {
    RefOr::T(Schema::Object(Object::with_type(Type::String)))
}

/// The problem document: `type`, `title`, `status` (the HTTP status
/// number), `detail`, the asking request's `request_id` and, where it
/// applies, the offending `header`, `field`, `path` or `query` parameter
/// (see `crate::Error`). A task's problem carries `task_id`, and its
/// `task_status` (`"failed"`, `"cancelled"`…) where the task's state is
/// what it is about.
pub(crate) fn schema() -> RefOr<Schema> {
    let mut object = Object::with_type(Type::Object);
    object.description = Some(
        "An RFC 9457 problem document; `request_id` is the asking request's tracking ID".into(),
    );
    let status = Object::with_type(Type::Integer);
    for (name, schema) in [
        ("type", string()),
        ("title", string()),
        ("status", RefOr::T(Schema::Object(status))),
        ("detail", string()),
        ("request_id", string()),
        ("header", string()),
        ("field", string()),
        ("path", string()),
        ("query", string()),
        ("task_id", string()),
        ("task_status", string()),
    ] {
        object.properties.insert(name.to_owned(), schema);
    }
    object.required = ["type", "title", "status", "detail"]
        .map(str::to_owned)
        .to_vec();
    object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(true)));
    RefOr::T(Schema::Object(object))
}

/// An answer of `status` with the problem document.
pub(crate) fn response(description: &str) -> Response {
    let mut response = Response::new(description);
    response.content.insert(
        "application/problem+json".to_owned(),
        RefOr::T(Content::new(Some(Ref::from_schema_name(NAME)))),
    );
    response
}

/// 503 with `Retry-After`: the task store is full or cannot be reached
/// (`crate::tasks::answer`).
pub(crate) fn store_unavailable() -> Response {
    with_retry_after(response(
        "The task store is full or cannot be reached; `Retry-After` says when to retry",
    ))
}

/// `response` with its `Retry-After` header described.
pub(crate) fn with_retry_after(mut response: Response) -> Response {
    let mut retry = utoipa::openapi::header::Header::new(RefOr::T(Schema::Object(
        Object::with_type(Type::Integer),
    )));
    retry.description = Some("Seconds to wait before retrying".to_owned());
    response
        .headers
        .insert("retry-after".to_owned(), RefOr::T(retry));
    response
}

/// What an endpoint's errors depend on.
pub(crate) struct Errors<'a> {
    /// It reads a JSON body: a wrong `Content-Type` answers 415, a body
    /// key missing or of the wrong type 422.
    pub(crate) body: bool,
    /// It may run as a task: a store that is full or down answers 503.
    pub(crate) task: bool,
    /// The statuses it lists itself (`errors(404, 409)`).
    pub(crate) own: &'a [u16],
    /// What its error type answers.
    pub(crate) failure: Failure,
}

/// The errors qh answers for an endpoint by itself.
pub(crate) fn endpoint_errors(errors: &Errors<'_>) -> Vec<(String, Response)> {
    let mut out = vec![(
        "400".to_owned(),
        response("A header, path or query parameter, or the body's JSON, cannot be read"),
    )];
    if errors.body {
        out.push((
            "415".to_owned(),
            response("The body is not `application/json`"),
        ));
    }
    let unprocessable = match (errors.body, errors.task) {
        (true, false) => Some("A body key is missing or of the wrong type"),
        (true, true) => Some(
            "A body key is missing or of the wrong type, or the `Idempotency-Key` was used with another request",
        ),
        (false, true) => Some("The `Idempotency-Key` was used with another request"),
        (false, false) => None,
    };
    if let Some(description) = unprocessable {
        out.push(("422".to_owned(), response(description)));
    }
    out.push((
        "500".to_owned(),
        response("The function panicked or its answer cannot be serialized"),
    ));
    if errors.task {
        out.push((
            "429".to_owned(),
            with_retry_after(response(
                "The caller has too many unfinished or kept tasks (its quota); `Retry-After` says when to retry",
            )),
        ));
        out.push(("503".to_owned(), store_unavailable()));
    }
    for &status in errors.own {
        let key = status.to_string();
        if out.iter().any(|(listed, _)| *listed == key) {
            continue;
        }
        let reason = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        let description = format!("{reason}: the function's own answer");
        out.push((
            key,
            match errors.failure {
                // Its error is no problem document: what it holds is not
                // described.
                Failure::Other => Response::new(description),
                Failure::Problem | Failure::None => response(&description),
            },
        ));
    }
    match errors.failure {
        Failure::Problem => out.push((
            "default".to_owned(),
            response("The function's `qh::Error`: a problem document of its status"),
        )),
        Failure::Other => out.push((
            "default".to_owned(),
            Response::new(
                "The function's error, answered through its `IntoResponse` (not described)",
            ),
        )),
        Failure::None => {}
    }
    out
}
