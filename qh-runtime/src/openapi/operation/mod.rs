//! [`Operation`]: what an endpoint's expansion records of its signature
//! (each parameter by source, the body, the answer, the doc comment); the
//! utoipa operation it becomes once the document knows the tracking header
//! is `to_utoipa`'s.

mod to_utoipa;

use http::{HeaderMap, HeaderName};
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::{Object, Schema as UtoipaSchema};
use utoipa::openapi::RefOr;

use super::parameter::{parameter, requirement};
use super::schema::{Failure, NamedSchemas, Shape};
use super::signature::{Signature, SignatureParam};
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
    components: NamedSchemas,
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
    pub fn components(&mut self) -> &mut NamedSchemas {
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

    pub(crate) fn take_components(&mut self) -> NamedSchemas {
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
}
