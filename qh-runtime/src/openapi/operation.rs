//! [`Operation`]: what an endpoint's expansion records of its signature
//! (each parameter by source, the body, the answer, the doc comment), and
//! its utoipa operation once the document knows the tracking header.

use http::{HeaderMap, HeaderName};
use utoipa::openapi::path::{Operation as UtoipaOperation, Parameter, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{Object, Schema as UtoipaSchema};
use utoipa::openapi::{Content, RefOr, Required};

use super::parameter::{parameter, requirement};
use super::problem::{self, Errors};
use super::schema::Shape;
use super::signature::{Signature, SignatureParam};
use super::tasks;
use crate::error::Error;

/// How a task endpoint runs, as the document tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaskMode {
    No,
    Always,
    Optional,
}

/// The success answer: its shape and schema.
#[derive(Clone)]
struct Answer {
    shape: Shape,
    schema: Option<RefOr<UtoipaSchema>>,
}

/// One endpoint's description, filled by the code `#[qh::endpoint]`
/// generates (`Describe::describe`); not built by hand.
#[derive(Clone)]
pub struct Operation {
    name: &'static str,
    docs: String,
    params: Vec<Parameter>,
    /// Body keys: one object schema.
    body_fields: Option<Object>,
    /// `#[body] T`: `T`'s schema.
    body: Option<RefOr<UtoipaSchema>>,
    answer: Answer,
    task: TaskMode,
    /// `#[header("…")] request_id`: the header that endpoint reads its ID from.
    id_header: Option<&'static str>,
    components: Vec<(String, RefOr<UtoipaSchema>)>,
    signature: Signature,
}

impl Operation {
    pub(crate) fn new(name: &'static str) -> Self {
        Self {
            name,
            docs: String::new(),
            params: Vec::new(),
            body_fields: None,
            body: None,
            answer: Answer {
                shape: Shape::Null,
                schema: None,
            },
            task: TaskMode::No,
            id_header: None,
            components: Vec::new(),
            signature: Signature::new(name),
        }
    }

    /// Where the schemas a documented type refers to are collected.
    pub fn components(&mut self) -> &mut Vec<(String, RefOr<UtoipaSchema>)> {
        &mut self.components
    }

    /// The function's module and doc comment (its lines joined).
    pub fn about(&mut self, module: &'static str, docs: &str) {
        self.docs = docs.trim().to_owned();
        self.signature.module = module;
        self.signature.docstring.clone_from(&self.docs);
    }

    /// A `{name}` of the path.
    pub fn path(&mut self, key: &'static str, ty: &'static str, schema: RefOr<UtoipaSchema>) {
        self.param(ParameterIn::Path, key, schema, true, None);
        self.signature
            .param(SignatureParam::new(key, ty, true, None));
    }

    /// A query parameter; `absent` is what the parameter holds when the
    /// key is missing (`Some` for `Option<T>` and lists: then not required).
    pub fn query<T>(
        &mut self,
        key: &'static str,
        ty: &'static str,
        schema: RefOr<UtoipaSchema>,
        absent: fn() -> Option<T>,
        default: Option<Option<serde_json::Value>>,
    ) {
        let (required, default) = requirement(absent().is_none(), default);
        self.param(ParameterIn::Query, key, schema, required, default.clone());
        self.signature
            .param(SignatureParam::new(key, ty, required, default));
    }

    /// A header parameter; `read` reads it from a request (required when
    /// reading it from no headers fails). A type without a schema
    /// (`HeaderValue`) is documented as a string: what a header holds.
    pub fn header<T>(
        &mut self,
        name: &'static str,
        key: &'static str,
        ty: &'static str,
        schema: Option<RefOr<UtoipaSchema>>,
        read: fn(&HeaderMap, &HeaderName) -> Result<T, Error>,
        default: Option<Option<serde_json::Value>>,
    ) {
        let absent =
            HeaderName::try_from(name).map_or(true, |h| read(&HeaderMap::new(), &h).is_err());
        let (required, default) = requirement(absent, default);
        let schema = schema.unwrap_or_else(|| {
            RefOr::T(UtoipaSchema::Object(Object::with_type(
                utoipa::openapi::schema::Type::String,
            )))
        });
        self.param(ParameterIn::Header, name, schema, required, default.clone());
        self.signature
            .param(SignatureParam::new(key, ty, required, default));
    }

    /// `#[query(flatten)] F`: the properties of `F`'s object schema, each a
    /// query parameter (required when `F` requires it).
    pub fn query_flatten(
        &mut self,
        key: &'static str,
        ty: &'static str,
        schema: RefOr<UtoipaSchema>,
    ) {
        self.signature
            .param(SignatureParam::new(key, ty, true, None));
        let object = match self.resolve(schema.clone()) {
            Some(UtoipaSchema::Object(object)) => object,
            // Not an object qh can list (`allOf` from a nested
            // `#[serde(flatten)]`, an enum): one parameter of the whole
            // schema, which `style: form, explode: true` spreads into keys
            // (the schema says which of them are required).
            _ => {
                let param = parameter(ParameterIn::Query, key.to_owned(), schema, false, None);
                self.params.push(param);
                return;
            }
        };
        for (name, property) in object.properties {
            let required = object.required.contains(&name);
            self.params.push(parameter(
                ParameterIn::Query,
                name,
                property,
                required,
                None,
            ));
        }
    }

    /// A top-level key of the JSON body.
    pub fn body_field<T>(
        &mut self,
        key: &'static str,
        ty: &'static str,
        schema: RefOr<UtoipaSchema>,
        absent: fn() -> Option<T>,
        default: Option<Option<serde_json::Value>>,
    ) {
        let (required, default) = requirement(absent().is_none(), default);
        let object = self.body_fields.get_or_insert_with(Object::new);
        let schema = match (schema, &default) {
            (RefOr::T(UtoipaSchema::Object(mut inner)), Some(value)) => {
                inner.default = Some(value.clone());
                RefOr::T(UtoipaSchema::Object(inner))
            }
            (schema, _) => schema,
        };
        object.properties.insert(key.to_owned(), schema);
        if required {
            object.required.push(key.to_owned());
        }
        self.signature
            .param(SignatureParam::new(key, ty, required, default));
    }

    /// `#[body] T`: the whole body.
    pub fn body(&mut self, key: &'static str, ty: &'static str, schema: RefOr<UtoipaSchema>) {
        self.body = Some(schema);
        self.signature
            .param(SignatureParam::new(key, ty, true, None));
    }

    /// The ID parameter: read from `header` instead of the app's.
    pub fn request_id(&mut self, header: Option<&'static str>) {
        if header.is_some() {
            self.id_header = header;
        }
    }

    /// A task endpoint (`optional`: `task = "optional"`).
    pub fn task(&mut self, optional: bool) {
        self.task = if optional {
            TaskMode::Optional
        } else {
            TaskMode::Always
        };
    }

    /// The return type as written, and what its answer holds.
    pub fn returns(&mut self, ty: &'static str, shape: Shape, schema: RefOr<UtoipaSchema>) {
        self.signature.return_type = ty;
        self.answer = Answer {
            shape,
            schema: (shape == Shape::Json).then_some(schema),
        };
    }

    /// The header the ID is read from, when the endpoint names its own.
    pub(crate) fn id_header(&self) -> Option<&'static str> {
        self.id_header
    }

    pub(crate) fn is_task(&self) -> bool {
        self.task != TaskMode::No
    }

    pub(crate) fn take_components(&mut self) -> Vec<(String, RefOr<UtoipaSchema>)> {
        std::mem::take(&mut self.components)
    }

    /// A schema as written, or the component a `$ref` names.
    fn resolve(&self, schema: RefOr<UtoipaSchema>) -> Option<UtoipaSchema> {
        match schema {
            RefOr::T(schema) => Some(schema),
            RefOr::Ref(r) => {
                let name = r.ref_location.rsplit('/').next()?;
                self.components
                    .iter()
                    .find(|(n, _)| n == name)
                    .and_then(|(_, s)| match s {
                        RefOr::T(schema) => Some(schema.clone()),
                        RefOr::Ref(_) => None,
                    })
            }
        }
    }

    fn param(
        &mut self,
        place: ParameterIn,
        name: &str,
        schema: RefOr<UtoipaSchema>,
        required: bool,
        default: Option<serde_json::Value>,
    ) {
        self.params
            .push(parameter(place, name.to_owned(), schema, required, default));
    }

    /// The utoipa operation (without the tracking header, which the
    /// document adds).
    pub(crate) fn to_utoipa(&self) -> UtoipaOperation {
        let mut op = UtoipaOperation::new();
        let (summary, description) = split_docs(&self.docs);
        op.summary = summary;
        op.description = description;
        op.operation_id = Some(self.name.to_owned());
        let mut params: Vec<RefOr<Parameter>> = self.params.iter().cloned().map(RefOr::T).collect();
        if self.task == TaskMode::Optional {
            params.extend(tasks::async_flags().into_iter().map(RefOr::T));
        }
        if self.task != TaskMode::No {
            params.push(RefOr::T(tasks::idempotency_key()));
        }
        op.parameters = Some(params);
        op.request_body = self.request_body();
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
        };
        responses.extend(problem::endpoint_errors(errors));
        op.responses.responses = responses
            .into_iter()
            .map(|(status, response)| (status, RefOr::T(response)))
            .collect();
        op.extensions = Some(self.signature.extension());
        op
    }

    fn request_body(&self) -> Option<RefOr<RequestBody>> {
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
        let mut body = RequestBody::new();
        body.required = Some(if required {
            Required::True
        } else {
            Required::False
        });
        body.content.insert(
            "application/json".to_owned(),
            RefOr::T(Content::new(Some(schema))),
        );
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
