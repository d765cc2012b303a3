//! Rules across the whole struct, one function each. Every error is
//! collected, so one compile reports them all.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::ToTokens;

use super::ast::{Field, Input};
use crate::ctxt::Ctxt;
use crate::headers;

/// The header a request ID is read from and written to by default.
const DEFAULT_ID_HEADER: &str = "x-request-id";

pub fn check(cx: &Ctxt, input: &Input) {
    check_shape(cx, input);
    check_generics(cx, input);
    for field in input.fields() {
        check_bare_header_name(cx, field);
        check_one_source(cx, field);
        check_has_source(cx, field);
        check_id_header_options(cx, field);
    }
    check_one_request_id(cx, input);
    check_duplicate_headers(cx, input);
}

/// Each field maps to a header by name, so only named fields can work.
fn check_shape(cx: &Ctxt, input: &Input) {
    let original = input.original;
    let hint =
        "use a struct with named fields, like `struct Tracking { request_id: qh::RequestId }`";
    match &original.data {
        syn::Data::Struct(s) => match &s.fields {
            syn::Fields::Named(_) => {}
            syn::Fields::Unnamed(fields) => cx.error_spanned_by(
                fields,
                format!("`TrackingContext` cannot be derived for tuple structs: {hint}"),
            ),
            syn::Fields::Unit => cx.error_spanned_by(
                &original.ident,
                format!("`TrackingContext` cannot be derived for unit structs: {hint}"),
            ),
        },
        syn::Data::Enum(e) => cx.error_spanned_by(
            e.enum_token,
            format!("`TrackingContext` cannot be derived for enums: {hint}"),
        ),
        syn::Data::Union(u) => cx.error_spanned_by(
            u.union_token,
            format!("`TrackingContext` cannot be derived for unions: {hint}"),
        ),
    }
}

/// An extractor lives as long as the request and is stored in the context
/// by type, so a generic (or borrowing) struct has no single type to be.
fn check_generics(cx: &Ctxt, input: &Input) {
    let generics = &input.original.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            "`TrackingContext` cannot be derived for generic structs: remove the generic parameters",
        );
    }
}

/// `#[header]` on `x_ñ` would otherwise become an invalid `HeaderName` in
/// the expansion.
fn check_bare_header_name(cx: &Ctxt, field: &Field) {
    let Some((_, header)) = &field.attrs.header else {
        return;
    };
    if let headers::HeaderName::FromIdent = header.name {
        if let Err(why) = headers::check(&headers::from_ident(field.ident)) {
            cx.error_spanned_by(
                header.attr,
                format!(
                    "{why}; the name comes from field `{}`, so give one with `#[header(\"…\")]`",
                    field.ident
                ),
            );
        }
    }
}

/// A value comes from one place. `#[header("…")]` on the field named
/// `request_id` is not a second source: it names the header the ID is read
/// from, as in `#[qh::endpoint]`.
fn check_one_source(cx: &Ctxt, field: &Field) {
    let (Some((h_index, header)), Some((r_index, request_id))) =
        (&field.attrs.header, field.attrs.request_id)
    else {
        return;
    };
    if field.is_named_request_id() {
        return;
    }
    let message = format!(
        "field `{}` cannot be both `#[header]` and `#[request_id]`: a field has one source; \
         to read the request ID from a custom header, name the field `request_id`",
        field.ident
    );
    // Reported on whichever came second.
    if *h_index > r_index {
        cx.error_spanned_by(header.attr, message);
    } else {
        cx.error_spanned_by(request_id, message);
    }
}

/// The request ID is bounded by the `Tracking` configuration and goes out
/// as its resolution decided: a field's own bound or forwarding would be a
/// second, conflicting rule.
fn check_id_header_options(cx: &Ctxt, field: &Field) {
    let Some((_, header)) = &field.attrs.header else {
        return;
    };
    // A marked `#[request_id]` with a `#[header]` is `check_one_source`'s.
    if !field.is_named_request_id() {
        return;
    }
    if let Some((lit, _)) = &header.context.max_len {
        cx.error_spanned_by(
            lit,
            "`max_len` does not apply to the request ID: incoming IDs are bounded by `qh::Tracking::max_len`",
        );
    }
    if let Some(flag) = &header.context.forward_untrusted {
        cx.error_spanned_by(
            flag,
            "`forward_untrusted` does not apply to the request ID: it goes out as the request's resolution decided",
        );
    }
}

/// A field with no source could only be filled with a guess.
fn check_has_source(cx: &Ctxt, field: &Field) {
    if field.attrs.header.is_none() && !field.is_request_id() {
        cx.error_spanned_by(
            field.ident,
            format!(
                "field `{}` has no source: mark it `#[header]` (reads `{}`), `#[header(\"Name\")]`, or `#[request_id]`",
                field.ident,
                headers::from_ident(field.ident)
            ),
        );
    }
}

/// A request has one tracking ID.
fn check_one_request_id(cx: &Ctxt, input: &Input) {
    let mut first: Option<&Field> = None;
    for field in input.fields().iter().filter(|f| f.is_request_id()) {
        match first {
            None => first = Some(field),
            Some(first) => {
                let span = field.attrs.request_id.map_or_else(
                    || field.ident.to_token_stream(),
                    |(_, attr)| attr.to_token_stream(),
                );
                cx.error_spanned_by(
                    span,
                    format!(
                        "field `{}` already receives the request ID: a struct has one `request_id` field",
                        first.ident
                    ),
                );
            }
        }
    }
}

/// `to_headers` writes each header once, and two fields reading one header
/// is a typo. Header names are case-insensitive.
fn check_duplicate_headers(cx: &Ctxt, input: &Input) {
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    // The ID's header is taken first, wherever its field is.
    if let Some(id_field) = input.fields().iter().find(|f| f.is_request_id()) {
        let name = id_field
            .header_name()
            .map_or_else(|| DEFAULT_ID_HEADER.to_owned(), |(name, _)| name);
        seen.insert(name, id_field.ident);
    }
    for field in input.fields().iter().filter(|f| !f.is_request_id()) {
        let Some((name, tokens)) = field.header_name() else {
            continue;
        };
        match seen.get(&name) {
            Some(other) => duplicate(cx, tokens, &name, other, input),
            None => {
                seen.insert(name, field.ident);
            }
        }
    }
}

fn duplicate(cx: &Ctxt, tokens: TokenStream, name: &str, other: &syn::Ident, input: &Input) {
    let other_is_id = input
        .fields()
        .iter()
        .any(|f| f.ident == other && f.is_request_id());
    let message = if other_is_id {
        format!("duplicate header `{name}`: field `{other}` already reads it as the request ID")
    } else {
        format!("duplicate header `{name}`: field `{other}` already reads it (header names are case-insensitive)")
    };
    cx.error_spanned_by(tokens, message);
}
