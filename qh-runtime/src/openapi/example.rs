//! Examples for an operation's parameters and body: the JSON block under
//! the doc comment's `# Examples` heading (an object whose keys are the
//! function's parameters), or else a value made from each schema, so
//! Swagger UI's "try it out" and a fuzzer's examples start from a request
//! the server takes.

use serde_json::{json, Map, Value};
use utoipa::openapi::schema::{
    ArrayItems, KnownFormat, Object, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::RefOr;
use utoipa::Number;

/// How deep a made example goes (a recursive type ends here).
const DEPTH: usize = 8;

/// The first ```` ```json ```` block (or a bare ```` ``` ```` one) under
/// the doc comment's `# Examples` heading, when it is a JSON object.
pub(crate) fn from_docs(docs: &str) -> Option<Map<String, Value>> {
    let mut lines = docs.lines().skip_while(|line| {
        let line = line.trim();
        !(line.starts_with('#') && line.trim_start_matches('#').trim() == "Examples")
    });
    lines.next()?;
    let mut block = String::new();
    let (mut inside, mut other) = (false, false);
    for line in lines {
        let trimmed = line.trim();
        if other {
            // Inside a block of another language: until its end.
            other = !trimmed.starts_with("```");
        } else if !inside {
            if trimmed.starts_with('#') {
                // The next section: no block in this one.
                return None;
            }
            if let Some(info) = trimmed.strip_prefix("```") {
                other = !matches!(info.trim(), "" | "json");
                inside = !other;
            }
        } else if trimmed.starts_with("```") {
            break;
        } else {
            block.push_str(line);
            block.push('\n');
        }
    }
    match serde_json::from_str(&block).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// A value `schema` holds, made from its type: its `default`, `example`,
/// first `enum` value or `const`, else a plain value of its type within
/// its bounds. `None` when none can be made for sure (a `pattern`, an
/// unknown `$ref`).
pub(crate) fn of_schema(
    schema: &RefOr<Schema>,
    components: &[(String, RefOr<Schema>)],
) -> Option<Value> {
    made(schema, components, 0)
}

fn made(
    schema: &RefOr<Schema>,
    components: &[(String, RefOr<Schema>)],
    depth: usize,
) -> Option<Value> {
    if depth > DEPTH {
        return None;
    }
    match schema {
        RefOr::Ref(r) => {
            let name = r.ref_location.rsplit('/').next()?;
            let (_, found) = components.iter().find(|(n, _)| n == name)?;
            made(found, components, depth + 1)
        }
        RefOr::T(schema) => inline(schema, components, depth),
    }
}

fn inline(schema: &Schema, components: &[(String, RefOr<Schema>)], depth: usize) -> Option<Value> {
    match schema {
        Schema::Object(object) => object_value(object, components, depth),
        Schema::Array(array) => {
            if let Some(value) = array.default.clone().or_else(|| array.example.clone()) {
                return Some(value);
            }
            if !array.prefix_items.is_empty() {
                return array
                    .prefix_items
                    .iter()
                    .map(|item| inline(item, components, depth + 1))
                    .collect::<Option<Vec<_>>>()
                    .map(Value::Array);
            }
            let item = match &array.items {
                ArrayItems::RefOrSchema(item) => made(item, components, depth + 1),
                ArrayItems::False => None,
            };
            let min = array.min_items.unwrap_or(0);
            match item {
                Some(item) => Some(Value::Array(vec![item; min.max(1)])),
                None if min == 0 => Some(json!([])),
                None => None,
            }
        }
        // A value of the first choice that is not `null` (`Option<T>`).
        Schema::OneOf(one) => one
            .default
            .clone()
            .or_else(|| one.example.clone())
            .or_else(|| {
                one.items
                    .iter()
                    .filter(|item| !is_null(item))
                    .find_map(|item| made(item, components, depth + 1))
            }),
        Schema::AnyOf(any) => any
            .items
            .iter()
            .find_map(|item| made(item, components, depth + 1)),
        // The parts' objects, merged.
        Schema::AllOf(all) => {
            let mut merged = Map::new();
            for item in &all.items {
                match made(item, components, depth + 1)? {
                    Value::Object(part) => merged.extend(part),
                    _ => return None,
                }
            }
            Some(Value::Object(merged))
        }
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

fn is_null(schema: &RefOr<Schema>) -> bool {
    matches!(schema, RefOr::T(Schema::Object(o))
        if matches!(o.schema_type, SchemaType::Type(Type::Null)))
}

fn object_value(
    object: &Object,
    components: &[(String, RefOr<Schema>)],
    depth: usize,
) -> Option<Value> {
    if let Some(value) = object
        .default
        .clone()
        .filter(|v| !v.is_null() || matches!(object.schema_type, SchemaType::Type(Type::Null)))
        .or_else(|| object.example.clone())
        .or_else(|| object.examples.first().cloned())
        .or_else(|| object.enum_values.as_ref().and_then(|v| v.first().cloned()))
    {
        return Some(value);
    }
    let ty = match &object.schema_type {
        SchemaType::Type(ty) => ty.clone(),
        // `[T, "null"]`: a `T`.
        SchemaType::Array(types) => types.iter().find(|t| **t != Type::Null)?.clone(),
        SchemaType::AnyValue => return None,
    };
    Some(match ty {
        Type::Null => Value::Null,
        Type::Boolean => Value::Bool(true),
        Type::Integer => json!(integer(object)?),
        Type::Number => json!(number(object)),
        Type::String => Value::String(string(object)?),
        Type::Array => json!([]),
        Type::Object => {
            let mut map = Map::new();
            for name in &object.required {
                let property = object.properties.get(name)?;
                map.insert(name.clone(), made(property, components, depth + 1)?);
            }
            Value::Object(map)
        }
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

fn as_f64(number: &Number) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    match *number {
        Number::Int(n) => n as f64,
        Number::UInt(n) => n as f64,
        Number::Float(n) => n,
    }
}

/// 1, or the nearest value the bounds allow.
fn integer(object: &Object) -> Option<i64> {
    let min = object.minimum.as_ref().map(as_f64).unwrap_or(f64::MIN);
    let max = object.maximum.as_ref().map(as_f64).unwrap_or(f64::MAX);
    let value = 1f64.clamp(min.ceil(), max.floor().max(min.ceil()));
    #[allow(clippy::cast_possible_truncation)]
    (value <= max && value.abs() < 9.0e15).then_some(value as i64)
}

fn number(object: &Object) -> f64 {
    let min = object.minimum.as_ref().map(as_f64).unwrap_or(f64::MIN);
    let max = object.maximum.as_ref().map(as_f64).unwrap_or(f64::MAX);
    1.5f64.clamp(min, max.max(min))
}

/// A string of the format, or `"string"` grown to `minLength`; none for
/// a `pattern`, which a made-up string would likely miss.
fn string(object: &Object) -> Option<String> {
    if object.pattern.is_some() {
        return None;
    }
    let known = match &object.format {
        Some(SchemaFormat::KnownFormat(format)) => match format {
            KnownFormat::Uuid => Some("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
            KnownFormat::DateTime => Some("2024-01-01T00:00:00Z"),
            KnownFormat::Date => Some("2024-01-01"),
            KnownFormat::Email => Some("user@example.com"),
            _ => None,
        },
        _ => None,
    };
    if let Some(known) = known {
        return Some(known.to_owned());
    }
    let mut text = String::from("string");
    let min = object.min_length.unwrap_or(0);
    while text.len() < min {
        text.push('s');
    }
    if let Some(max) = object.max_length {
        if max == 0 {
            return None;
        }
        text.truncate(max);
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_block_under_examples() {
        let docs = "Adds.\n\n# Examples\n\nCall it so:\n\n```json\n{\"a\": 1,\n \"b\": 2}\n```\n";
        let map = from_docs(docs).unwrap();
        assert_eq!(Value::Object(map), json!({"a": 1, "b": 2}));
        // A Rust block first, then the JSON one.
        let docs = "# Examples\n```rust\nlet x = 1;\n```\n```\n{\"a\": 3}\n```";
        assert_eq!(Value::Object(from_docs(docs).unwrap()), json!({"a": 3}));
        for none in [
            "Adds.",
            "# Examples\n\n```json\n[1]\n```",
            "# Examples\n\nnone\n\n# Errors\n```json\n{\"a\": 1}\n```",
            "# Examples\n```json\n{not json\n```",
        ] {
            assert!(from_docs(none).is_none(), "{none}");
        }
    }

    #[test]
    fn values_within_the_schema() {
        let schema = |v: Value| -> RefOr<Schema> { serde_json::from_value(v).unwrap() };
        let none: &[(String, RefOr<Schema>)] = &[];
        for (given, made) in [
            (json!({"type": "integer", "minimum": 5}), json!(5)),
            (json!({"type": "integer", "maximum": -3}), json!(-3)),
            (json!({"type": "integer", "minimum": 0}), json!(1)),
            (json!({"type": "string", "enum": ["b", "c"]}), json!("b")),
            (
                json!({"type": "string", "minLength": 9}),
                json!("stringsss"),
            ),
            (json!({"type": "boolean"}), json!(true)),
            (json!({"type": ["string", "null"]}), json!("string")),
            (
                json!({"type": "object", "required": ["q"], "properties": {"q": {"type": "integer", "default": 4}, "r": {"type": "string"}}}),
                json!({"q": 4}),
            ),
            (
                json!({"type": "array", "items": {"type": "integer"}}),
                json!([1]),
            ),
        ] {
            assert_eq!(
                of_schema(&schema(given.clone()), none),
                Some(made),
                "{given}"
            );
        }
        let pattern = schema(json!({"type": "string", "pattern": "^a$"}));
        assert_eq!(of_schema(&pattern, none), None);
    }
}
