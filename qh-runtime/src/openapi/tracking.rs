//! The tracking header in the document, as the server treats it: on every
//! operation an optional request header that takes any value (a valid one
//! from a trusted client is kept, anything else replaced: the rule is in
//! its description, not its schema, since nothing is refused), and on every
//! response the ID in use, whose schema says what can be echoed.

use http::HeaderName;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{Object, Schema, Type};
use utoipa::openapi::{RefOr, Required};

use crate::id::validate::{Rule, ALLOWED_PUNCTUATION, MAX_LEN};
use crate::tracking::Tracking;

/// The regular expression (ECMA-262, as OpenAPI's `pattern`) of the
/// default rule's alphabet, built from [`ALLOWED_PUNCTUATION`] so the two
/// cannot drift: one or more of `[A-Za-z0-9` + the punctuation + `]`.
///
/// # Examples
///
/// A schema of your own for a field that holds a request ID (an audit
/// record's, say), saying what the ID can be:
///
/// ```
/// use qh::openapi::{id_pattern, utoipa::openapi::schema::{ObjectBuilder, Type}};
///
/// assert_eq!(id_pattern(), r"^[A-Za-z0-9._~:+/=@\-]+$");
/// let schema = ObjectBuilder::new()
///     .schema_type(Type::String)
///     .pattern(Some(id_pattern()))
///     .max_length(Some(qh::id::DEFAULT_MAX_LEN))
///     .build();
/// ```
#[must_use]
pub fn id_pattern() -> String {
    let mut class = String::from("^[A-Za-z0-9");
    for c in ALLOWED_PUNCTUATION.chars() {
        // Inside a class only these are special.
        if matches!(c, '-' | ']' | '\\' | '^') {
            class.push('\\');
        }
        class.push(c);
    }
    class.push_str("]+$");
    class
}

/// What any `RequestId` holds: visible ASCII.
const VISIBLE_ASCII: &str = "^[!-~]+$";

/// The length of the IDs the built-in generators make (a hyphenated UUID;
/// an ID taken from `traceparent` is 32).
const GENERATED_LEN: usize = 36;

/// What the document says of the ID header: all it reads of a
/// [`Tracking`] configuration, so two configurations alike here have the
/// same document (the served one is built once per value of this).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IdHeader {
    name: HeaderName,
    fallbacks: Vec<HeaderName>,
    max_len: usize,
    /// A custom validator's rule cannot be written down: no alphabet.
    custom_rule: bool,
    /// Nor can a custom generator's IDs.
    custom_generator: bool,
    /// Requests come through a `Tracking` layer: the layer resolves the
    /// ID, so an endpoint's own `#[header("…")] request_id` is not read.
    layered: bool,
}

impl IdHeader {
    /// The header of requests through a layer configured as `tracking`.
    pub(crate) fn of(tracking: &Tracking) -> Self {
        let rule: &Rule = tracking.rule();
        Self {
            name: tracking.header_name().clone(),
            fallbacks: tracking.fallback_names().to_vec(),
            max_len: rule.max_len(),
            custom_rule: rule.is_custom(),
            custom_generator: tracking.generates_custom(),
            layered: true,
        }
    }

    /// The header of requests through no layer: the defaults, where an
    /// endpoint naming its own ID header reads and echoes that one.
    pub(crate) fn unlayered() -> Self {
        Self {
            layered: false,
            ..Self::of(Tracking::defaults())
        }
    }

    /// What the request header may hold: any string (nothing is refused).
    fn request_schema() -> Object {
        Object::with_type(Type::String)
    }

    fn request_description(&self) -> String {
        let alphabet = if self.custom_rule {
            "the app's own rule".to_owned()
        } else {
            format!("`{}`", id_pattern())
        };
        format!(
            "The request's tracking ID. Any value is accepted: one of 1 to {} bytes matching {alphabet} from a trusted client is kept as the ID; anything else is replaced by a fresh ID. The ID in use is echoed on the response.",
            self.max_len
        )
    }

    /// What the echoed ID can be: a kept incoming one, or a generated one.
    fn echo_schema(&self) -> Object {
        let mut schema = Object::with_type(Type::String);
        schema.min_length = Some(1);
        if self.custom_generator {
            // Any `RequestId`.
            schema.max_length = Some(MAX_LEN);
            schema.pattern = Some(VISIBLE_ASCII.to_owned());
        } else {
            schema.max_length = Some(self.max_len.max(GENERATED_LEN));
            schema.pattern = Some(if self.custom_rule {
                VISIBLE_ASCII.to_owned()
            } else {
                id_pattern()
            });
        }
        schema
    }

    fn parameter(&self, name: &str, description: String) -> Parameter {
        let mut param = Parameter::new(name);
        param.parameter_in = ParameterIn::Header;
        param.required = Required::False;
        param.description = Some(description);
        param.schema = Some(RefOr::T(Schema::Object(Self::request_schema())));
        param
    }

    /// Adds the header to `op`'s parameters (under `own`, the endpoint's
    /// own ID header, when it names one and no layer resolves the ID) and
    /// to each of its responses: required there, unless a fallback header
    /// may carry the echo instead (an ID taken from one is echoed under
    /// it).
    pub(crate) fn apply(&self, op: &mut Operation, own: Option<&str>) {
        let name = match own {
            Some(own) if !self.layered => own,
            _ => self.name.as_str(),
        };
        let mut params = vec![self.parameter(name, self.request_description())];
        for fallback in &self.fallbacks {
            params.push(self.parameter(
                fallback.as_str(),
                format!(
                    "Read for the tracking ID when `{name}` holds none that is kept; an ID taken from it is echoed under it"
                ),
            ));
        }
        let listed = op.parameters.get_or_insert_with(Vec::new);
        for param in params {
            // A parameter the endpoint reads from the same header already
            // stands for it: OpenAPI wants each (name, in) pair once.
            let taken = listed.iter().any(|p| {
                matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Header
                    && p.name.eq_ignore_ascii_case(&param.name))
            });
            if !taken {
                listed.push(RefOr::T(param));
            }
        }
        let mut echo = Header::new(RefOr::T(Schema::Object(self.echo_schema())));
        echo.description = Some("The request's tracking ID".to_owned());
        let mut fallback_echo = echo.clone();
        if self.fallbacks.is_empty() {
            set_required(&mut echo);
        }
        fallback_echo.description =
            Some("The request's tracking ID, when it was taken from this header".to_owned());
        for response in op.responses.responses.values_mut() {
            if let RefOr::T(response) = response {
                response
                    .headers
                    .insert(name.to_owned(), RefOr::T(echo.clone()));
                for fallback in &self.fallbacks {
                    response.headers.insert(
                        fallback.as_str().to_owned(),
                        RefOr::T(fallback_echo.clone()),
                    );
                }
            }
        }
    }
}

/// `required: true` on a response header: OpenAPI's Header Object has the
/// field, utoipa 6's `Header` does not, so it goes where unknown fields go
/// (its extensions are written flat beside the others).
fn set_required(header: &mut Header) {
    header
        .extensions
        .get_or_insert_with(Default::default)
        .insert("required".to_owned(), serde_json::Value::Bool(true));
}

impl Default for IdHeader {
    fn default() -> Self {
        Self::unlayered()
    }
}
