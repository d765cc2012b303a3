//! Every schema written inline in a document, visited once each: where the
//! document's final touches (`bounds`) reach the schemas of qh's
//! operations, of the types they name, and of a merged document.

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema};
use utoipa::openapi::{OpenApi, RefOr};

/// Calls `f` on every schema of `openapi`, outermost first.
pub(crate) fn schemas(openapi: &mut OpenApi, f: &mut impl FnMut(&mut Schema)) {
    if let Some(components) = &mut openapi.components {
        for schema in components.schemas.values_mut() {
            each(schema, f);
        }
    }
    for item in openapi.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            operation(op, f);
        }
    }
}

fn operation(op: &mut Operation, f: &mut impl FnMut(&mut Schema)) {
    for param in op.parameters.iter_mut().flatten() {
        if let RefOr::T(param) = param {
            if let Some(schema) = &mut param.schema {
                each(schema, f);
            }
        }
    }
    if let Some(RefOr::T(body)) = &mut op.request_body {
        for content in body.content.values_mut() {
            if let RefOr::T(content) = content {
                if let Some(schema) = &mut content.schema {
                    each(schema, f);
                }
            }
        }
    }
    for response in op.responses.responses.values_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        for content in response.content.values_mut() {
            if let RefOr::T(content) = content {
                if let Some(schema) = &mut content.schema {
                    each(schema, f);
                }
            }
        }
        for header in response.headers.values_mut() {
            if let RefOr::T(header) = header {
                if let Some(schema) = &mut header.schema {
                    each(schema, f);
                }
            }
        }
    }
}

/// `schema` and the schemas inside it.
pub(crate) fn each(schema: &mut RefOr<Schema>, f: &mut impl FnMut(&mut Schema)) {
    if let RefOr::T(schema) = schema {
        inline(schema, f);
    }
}

fn inline(schema: &mut Schema, f: &mut impl FnMut(&mut Schema)) {
    f(schema);
    match schema {
        Schema::Object(object) => {
            for property in object.properties.values_mut() {
                each(property, f);
            }
            if let Some(additional) = &mut object.additional_properties {
                if let AdditionalProperties::RefOr(inner) = &mut **additional {
                    each(inner, f);
                }
            }
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                each(items, f);
            }
            for item in &mut array.prefix_items {
                inline(item, f);
            }
        }
        Schema::OneOf(one) => one.items.iter_mut().for_each(|s| each(s, f)),
        Schema::AllOf(all) => all.items.iter_mut().for_each(|s| each(s, f)),
        Schema::AnyOf(any) => any.items.iter_mut().for_each(|s| each(s, f)),
        #[allow(unreachable_patterns)]
        _ => {}
    }
}
