//! The utoipa operation an [`Operation`] becomes: its summary and
//! description, parameters with their examples, request body and
//! responses (the tracking header is the document's to add).

use utoipa::openapi::path::{Operation as UtoipaOperation, Parameter, ParameterBuilder};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{Object, Schema as UtoipaSchema};
use utoipa::openapi::{Content, RefOr, Required};

use super::{Operation, TaskMode};
use crate::openapi::example;
use crate::openapi::problem::{self, Errors};
use crate::openapi::schema::Shape;
use crate::openapi::tasks;

impl Operation {
    /// The utoipa operation (without the tracking header, which the
    /// document adds).
    pub(crate) fn to_utoipa(&self) -> UtoipaOperation {
        let mut op = UtoipaOperation::new();
        let (summary, description) = split_docs(&self.docs);
        op.summary = summary;
        op.description = description;
        op.operation_id = Some(self.name.to_owned());
        let given = example::from_docs(&self.docs);
        let mut params: Vec<RefOr<Parameter>> = Vec::new();
        for (param, key) in self.params.iter().zip(&self.param_keys) {
            // utoipa 6 sets a parameter's example through its builder only.
            let example = self.example(given.as_ref(), key, param);
            let param = ParameterBuilder::from(param.clone())
                .example(example)
                .build();
            params.push(RefOr::T(param));
        }
        if self.task == TaskMode::Optional {
            params.extend(tasks::async_flags().into_iter().map(RefOr::T));
        }
        if self.task != TaskMode::No {
            params.push(RefOr::T(tasks::idempotency_key()));
        }
        op.parameters = Some(params);
        op.request_body = self.request_body(given.as_ref());
        let mut responses = Vec::new();
        if self.task != TaskMode::Always {
            responses.push(("200".to_owned(), self.success()));
        }
        if self.task != TaskMode::No {
            responses.push(("202".to_owned(), tasks::submitted_response()));
        }
        let errors = Errors {
            body: op.request_body.is_some(),
            task: self.task != TaskMode::No,
            own: &self.own_errors,
            failure: self.failure,
        };
        responses.extend(problem::endpoint_errors(&errors));
        op.responses.responses = responses
            .into_iter()
            .map(|(status, response)| (status, RefOr::T(response)))
            .collect();
        op.extensions = Some(self.signature.extension());
        op
    }

    /// A parameter's example: the doc comment's value for its key (or its
    /// wire name), else one made from its schema when it is required.
    fn example(
        &self,
        given: Option<&serde_json::Map<String, serde_json::Value>>,
        key: &str,
        param: &Parameter,
    ) -> Option<serde_json::Value> {
        if let Some(given) = given {
            return given.get(key).or_else(|| given.get(&param.name)).cloned();
        }
        if param.required != Required::True {
            return None;
        }
        example::of_schema(param.schema.as_ref()?, &self.components)
    }

    fn request_body(
        &self,
        given: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> Option<RefOr<RequestBody>> {
        // A request with no body and no content type reads as `{}`: body
        // keys that are all optional or defaulted need no body at all.
        let (schema, required): (RefOr<UtoipaSchema>, bool) = match (&self.body, &self.body_fields)
        {
            (Some(schema), _) => (schema.clone(), true),
            (None, Some(object)) => (
                RefOr::T(UtoipaSchema::Object(object.clone())),
                !object.required.is_empty(),
            ),
            (None, None) => return None,
        };
        let example = match (given, &self.body, &self.body_fields) {
            // `#[body] order`: the value of the example's `order`.
            (Some(given), Some(_), _) => self.body_key.and_then(|k| given.get(k)).cloned(),
            // Body keys: the example's values of those keys.
            (Some(given), None, Some(object)) => Some(serde_json::Value::Object(
                given
                    .iter()
                    .filter(|(k, _)| object.properties.contains_key(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )),
            _ => example::of_schema(&schema, &self.components),
        };
        let mut body = RequestBody::new();
        body.required = Some(if required {
            Required::True
        } else {
            Required::False
        });
        let mut content = Content::new(Some(schema));
        content.example = example;
        body.content
            .insert("application/json".to_owned(), RefOr::T(content));
        Some(RefOr::T(body))
    }

    fn success(&self) -> utoipa::openapi::Response {
        let mut response = utoipa::openapi::Response::new("The function's return value");
        let schema = match (self.answer.shape, &self.answer.schema) {
            (Shape::Json, Some(schema)) => Some(schema.clone()),
            (Shape::Null, _) => Some(RefOr::T(UtoipaSchema::Object(null_schema()))),
            _ => None,
        };
        match schema {
            Some(schema) => {
                response.content.insert(
                    "application/json".to_owned(),
                    RefOr::T(Content::new(Some(schema))),
                );
            }
            None => {
                "The function's `IntoResponse` answer (not described)"
                    .clone_into(&mut response.description);
            }
        }
        response
    }
}

/// `{"type": "null"}`.
pub(crate) fn null_schema() -> Object {
    Object::with_type(utoipa::openapi::schema::Type::Null)
}

/// The first line of a doc comment, and the rest.
fn split_docs(docs: &str) -> (Option<String>, Option<String>) {
    let mut lines = docs.trim().splitn(2, '\n');
    let summary = lines
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let description = lines
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    (summary, description)
}
