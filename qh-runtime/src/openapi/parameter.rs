//! One parameter of an operation as OpenAPI writes it: whether it is
//! required, its default, and the form qh reads a query in.

use utoipa::openapi::path::{Parameter, ParameterIn, ParameterStyle};
use utoipa::openapi::schema::{Schema as UtoipaSchema, SchemaType, Type};
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
    // No `null` can be sent in a header, a path or a query: an
    // `Option<T>` parameter is a `T` that is not required.
    let schema = not_null(schema);
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

/// `schema` without its `null`: `T` for `Option<T>`'s `oneOf [null, T]`
/// or `type: [T, "null"]`.
fn not_null(schema: RefOr<UtoipaSchema>) -> RefOr<UtoipaSchema> {
    match schema {
        RefOr::T(UtoipaSchema::OneOf(mut one)) => {
            one.items.retain(|item| {
                !matches!(item, RefOr::T(UtoipaSchema::Object(o))
                    if o.schema_type == SchemaType::Type(Type::Null))
            });
            if one.items.len() == 1 {
                let mut item = one.items.remove(0);
                if let (RefOr::T(UtoipaSchema::Object(object)), Some(default)) =
                    (&mut item, one.default)
                {
                    object.default = Some(default);
                }
                item
            } else {
                RefOr::T(UtoipaSchema::OneOf(one))
            }
        }
        RefOr::T(UtoipaSchema::Object(mut object)) => {
            if let SchemaType::Array(types) = &object.schema_type {
                let kept: Vec<Type> = types
                    .iter()
                    .filter(|t| **t != Type::Null)
                    .cloned()
                    .collect();
                object.schema_type = match kept.len() {
                    1 => SchemaType::Type(kept[0].clone()),
                    _ => SchemaType::Array(kept),
                };
            }
            if object.default == Some(serde_json::Value::Null) {
                object.default = None;
            }
            RefOr::T(UtoipaSchema::Object(object))
        }
        RefOr::T(UtoipaSchema::Array(mut array)) => {
            if let SchemaType::Array(types) = &array.schema_type {
                let kept: Vec<Type> = types
                    .iter()
                    .filter(|t| **t != Type::Null)
                    .cloned()
                    .collect();
                array.schema_type = match kept.len() {
                    1 => SchemaType::Type(kept[0].clone()),
                    _ => SchemaType::Array(kept),
                };
            }
            RefOr::T(UtoipaSchema::Array(array))
        }
        other => other,
    }
}
