//! The tracking header in the document: an optional request header on
//! every operation, whose schema carries the ID rule (`maxLength`, and a
//! `pattern` for the default alphabet), and a header of every response.

use http::HeaderName;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{Object, Schema, Type};
use utoipa::openapi::{RefOr, Required};

use crate::id::validate::{Rule, ALLOWED_PUNCTUATION};
use crate::tracking::Tracking;

/// The regular expression (ECMA-262, as OpenAPI's `pattern`) of the
/// default rule's alphabet, built from [`ALLOWED_PUNCTUATION`] so the two
/// cannot drift: one or more of `[A-Za-z0-9` + the punctuation + `]`.
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

/// What the document says of the ID header: all it reads of a
/// [`Tracking`] configuration, so two configurations alike here have the
/// same document (the served one is built once per value of this).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IdHeader {
    name: HeaderName,
    max_len: usize,
    /// A custom validator's rule cannot be written down: no `pattern`.
    custom: bool,
}

impl IdHeader {
    pub(crate) fn of(tracking: &Tracking) -> Self {
        let rule: &Rule = tracking.rule();
        Self {
            name: tracking.header_name().clone(),
            max_len: rule.max_len(),
            custom: rule.is_custom(),
        }
    }

    fn schema(&self) -> Object {
        let mut schema = Object::with_type(Type::String);
        schema.min_length = Some(1);
        schema.max_length = Some(self.max_len);
        schema.pattern = (!self.custom).then(id_pattern);
        schema
    }

    /// Adds the header to `op`'s parameters (under `own`, the endpoint's
    /// own ID header, when it names one) and to each of its responses.
    pub(crate) fn apply(&self, op: &mut Operation, own: Option<&str>) {
        let name = own.unwrap_or(self.name.as_str());
        let mut param = Parameter::new(name);
        param.parameter_in = ParameterIn::Header;
        param.required = Required::False;
        param.description = Some(
            "The request's tracking ID: a valid one from a trusted client is kept, else a fresh one is made; echoed on the response"
                .to_owned(),
        );
        param.schema = Some(RefOr::T(Schema::Object(self.schema())));
        let params = op.parameters.get_or_insert_with(Vec::new);
        // A parameter the endpoint reads from the same header already
        // stands for it: OpenAPI wants each (name, in) pair once.
        let listed = params.iter().any(|p| {
            matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Header
                && p.name.eq_ignore_ascii_case(name))
        });
        if !listed {
            params.push(RefOr::T(param));
        }
        let mut header = Header::new(RefOr::T(Schema::Object(self.schema())));
        header.description = Some("The request's tracking ID".to_owned());
        for response in op.responses.responses.values_mut() {
            if let RefOr::T(response) = response {
                response
                    .headers
                    .insert(name.to_owned(), RefOr::T(header.clone()));
            }
        }
    }
}

impl Default for IdHeader {
    fn default() -> Self {
        Self::of(Tracking::defaults())
    }
}
