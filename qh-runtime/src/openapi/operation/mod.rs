//! [`Operation`]: what an endpoint's expansion records of its signature
//! (each parameter by source, the body, the answer, the doc comment), and
//! its utoipa operation once the document knows the tracking header.

use http::{HeaderMap, HeaderName};
use utoipa::openapi::path::{
    Operation as UtoipaOperation, Parameter, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{Object, Schema as UtoipaSchema};
use utoipa::openapi::{Content, RefOr, Required};

use super::example;
use super::parameter::{parameter, requirement};
use super::problem::{self, Errors};
use super::schema::{Failure, Shape};
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
///
/// # Examples
///
/// What an endpoint's operation records shows in the document:
///
/// ```
/// /// Finds a user.
/// #[qh::endpoint(method = "GET", path = "/users/{user_id}")]
/// fn get_user(user_id: u64, #[query] verbose: Option<bool>) -> String {
///     format!("user {user_id} {verbose:?}")
/// }
///
/// let json = qh::openapi::document![get_user].to_json();
/// assert!(json.contains("\"operationId\": \"get_user\""));
/// assert!(json.contains("\"summary\": \"Finds a user.\""));
/// assert!(json.contains("\"name\": \"verbose\""));
/// ```
#[derive(Clone)]
pub struct Operation {
    name: &'static str,
    docs: String,
    params: Vec<Parameter>,
    /// Each parameter's name in the function (an example's key).
    param_keys: Vec<String>,
    /// Body keys: one object schema.
    body_fields: Option<Object>,
    /// `#[body] T`: `T`'s schema, and the parameter's name.
    body: Option<RefOr<UtoipaSchema>>,
    body_key: Option<&'static str>,
    answer: Answer,
    task: TaskMode,
    /// `#[header("…")] request_id`: the header that endpoint reads its ID from.
    id_header: Option<&'static str>,
    /// The statuses of its own problem answers (`errors(404, 409)`).
    own_errors: Vec<u16>,
    /// What its error type answers.
    failure: Failure,
    components: Vec<(String, RefOr<UtoipaSchema>)>,
    signature: Signature,
}

impl Operation {
    pub(crate) fn new(name: &'static str) -> Self {
        Self {
            name,
            docs: String::new(),
            params: Vec::new(),
            param_keys: Vec::new(),
            body_fields: None,
            body: None,
            body_key: None,
            answer: Answer {
                shape: Shape::Null,
                schema: None,
            },
            task: TaskMode::No,
            id_header: None,
            own_errors: Vec::new(),
            failure: Failure::None,
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
        self.param(ParameterIn::Path, key, key, schema, true, None);
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
        self.param(
            ParameterIn::Query,
            key,
            key,
            schema,
            required,
            default.clone(),
        );
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
        self.param(
            ParameterIn::Header,
            name,
            key,
            schema,
            required,
            default.clone(),
        );
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
                self.param_keys.push(key.to_owned());
                return;
            }
        };
        for (name, property) in object.properties {
            let required = object.required.contains(&name);
            self.param_keys.push(name.clone());
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
        self.body_key = Some(key);
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

    /// The statuses of the endpoint's own problem answers, from
    /// `#[qh::endpoint(errors(404, 409))]`.
    pub fn errors(&mut self, statuses: &[u16]) {
        self.own_errors.extend_from_slice(statuses);
    }

    /// What the endpoint's error type answers: `qh::Error`'s problem
    /// documents of any status are the `default` response; another
    /// error's answers are a `default` with no content described.
    pub fn failure(&mut self, failure: Failure) {
        self.failure = failure;
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
        key: &str,
        schema: RefOr<UtoipaSchema>,
        required: bool,
        default: Option<serde_json::Value>,
    ) {
        self.params
            .push(parameter(place, name.to_owned(), schema, required, default));
        self.param_keys.push(key.to_owned());
    }

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
