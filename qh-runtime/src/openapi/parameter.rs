//! One parameter of an operation as OpenAPI writes it: whether it is
//! required, its default, and the form qh reads a query in.

use utoipa::openapi::path::{Parameter, ParameterIn, ParameterStyle};
use utoipa::openapi::schema::Schema as UtoipaSchema;
use utoipa::openapi::{RefOr, Required};

/// Whether a parameter is required, and its documented default: required
/// when the request must carry it (`missing_fails`: reading it from
/// nothing fails) and no `default = …` fills it in. `default` is `Some`
/// when the endpoint has one, holding its JSON when it serializes.
pub(super) fn requirement(
    missing_fails: bool,
    default: Option<Option<serde_json::Value>>,
) -> (bool, Option<serde_json::Value>) {
    (default.is_none() && missing_fails, default.flatten())
}

/// A parameter in `place` with its schema (holding the default, where the
/// schema can), and for a query the `form`, exploded style qh reads.
pub(super) fn parameter(
    place: ParameterIn,
    name: String,
    schema: RefOr<UtoipaSchema>,
    required: bool,
    default: Option<serde_json::Value>,
) -> Parameter {
    let schema = match (schema, default) {
        (RefOr::T(UtoipaSchema::Object(mut object)), Some(value)) => {
            object.default = Some(value);
            RefOr::T(UtoipaSchema::Object(object))
        }
        (RefOr::T(UtoipaSchema::Array(mut array)), Some(value)) => {
            array.default = Some(value);
            RefOr::T(UtoipaSchema::Array(array))
        }
        (schema, _) => schema,
    };
    let is_query = place == ParameterIn::Query;
    let mut param = Parameter::new(name);
    param.parameter_in = place;
    param.required = if required {
        Required::True
    } else {
        Required::False
    };
    param.schema = Some(schema);
    if is_query {
        // `?tag=a&tag=b`: what qh reads for a list.
        param.style = Some(ParameterStyle::Form);
        param.explode = Some(true);
    }
    param
}
