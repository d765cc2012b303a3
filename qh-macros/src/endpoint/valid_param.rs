//! Rules about one parameter on its own: its type, its attributes, and the
//! mistakes axum habits lead to. Each function says why the rule exists.

use syn::{GenericArgument, PathArguments, Type};

use crate::ctxt::Ctxt;
use crate::endpoint::ast::{Param, Source};
use crate::endpoint::attr::{Spec, SpecKind};
use crate::headers::{self, HeaderName};

/// axum extractors that consume the body, so cannot be `#[extract]`
/// (request-parts only) and are not JSON keys either.
const BODY_EXTRACTORS: [&str; 8] = [
    "Json",
    "Form",
    "Bytes",
    "BytesMut",
    "Request",
    "Multipart",
    "RawForm",
    "Body",
];

/// Every rule of this file, for one parameter.
pub fn check(cx: &Ctxt, param: &Param<'_>) {
    check_type(cx, param);
    check_one_source(cx, param);
    check_default(cx, param);
    check_body_extractor(cx, param);
    check_pattern_is_not_looked_up_by_name(cx, param);
    check_bare_header_name(cx, param);
}

/// Every parameter is filled with an owned value read from the request,
/// which is gone when the function runs: no borrow anywhere in the type
/// (`&str`, `Option<&str>`, `Vec<&[u8]>`).
pub fn check_type(cx: &Ctxt, param: &Param<'_>) {
    if let Some(ty) = find_type(param.ty, &|t| matches!(t, Type::ImplTrait(_))) {
        cx.error_spanned_by(
            ty,
            "`impl Trait` parameters are not supported: name a concrete type the value can be read as",
        );
    } else if let Some(reference) = find_type(param.ty, &|t| matches!(t, Type::Reference(_))) {
        cx.error_spanned_by(
            reference,
            "borrowed parameters are not supported: the request is gone when the function runs, use an owned type such as `String`",
        );
    }
}

/// The first type within `ty` (itself included) that `wanted` picks:
/// `Option<&str>` holds a reference, `Vec<impl Trait>` an `impl Trait`.
fn find_type<'t>(ty: &'t Type, wanted: &dyn Fn(&Type) -> bool) -> Option<&'t Type> {
    if wanted(ty) {
        return Some(ty);
    }
    match ty {
        Type::Paren(t) => find_type(&t.elem, wanted),
        Type::Group(t) => find_type(&t.elem, wanted),
        Type::Slice(t) => find_type(&t.elem, wanted),
        Type::Array(t) => find_type(&t.elem, wanted),
        Type::Tuple(t) => t.elems.iter().find_map(|t| find_type(t, wanted)),
        Type::Path(t) => t.path.segments.iter().find_map(|segment| {
            let PathArguments::AngleBracketed(args) = &segment.arguments else {
                return None;
            };
            args.args.iter().find_map(|arg| match arg {
                GenericArgument::Type(t) => find_type(t, wanted),
                _ => None,
            })
        }),
        _ => None,
    }
}

/// One source per parameter: a value read from two places would have to
/// pick one silently. `request_id` may name its header with `#[header]`.
pub fn check_one_source(cx: &Ctxt, param: &Param<'_>) {
    let conflict = |spec: &Spec<'_>, first: &str| {
        cx.error_at(
            spec.span,
            format!(
                "`{}` conflicts with `{first}` on `{}`: a parameter takes its value from one source",
                spec.describe(),
                param.ident
            ),
        );
    };
    let sources = param.specs.iter().filter(|s| s.is_source());
    if let Source::RequestId(_) = param.source {
        let (mut seen_id, mut header) = (false, false);
        for spec in sources {
            match &spec.kind {
                SpecKind::RequestId if seen_id => {
                    cx.error_at(spec.span, "duplicate `#[request_id]`");
                }
                SpecKind::RequestId => seen_id = true,
                SpecKind::Header(_) if !header => header = true,
                _ => conflict(spec, if header { "#[header]" } else { "#[request_id]" }),
            }
        }
        return;
    }
    let mut sources = sources;
    if let Some(first) = sources.next() {
        for extra in sources {
            conflict(extra, first.describe());
        }
    }
}

/// A default fills an absent query parameter, header or body key; the path,
/// the whole body, extractors and the tracking ID are never absent.
pub fn check_default(cx: &Ctxt, param: &Param<'_>) {
    let mut defaults = param.specs.iter().filter_map(|s| s.default.as_ref());
    let Some(first) = defaults.next() else {
        return;
    };
    for extra in defaults {
        cx.error_spanned_by(extra, "duplicate default: give one value");
    }
    let what = match param.source {
        Source::Query | Source::Header(_) | Source::BodyField => return,
        Source::Path => "path parameters are always present",
        Source::Body => "a `#[body]` is required; take `Option<T>` for an optional body",
        Source::QueryFlatten => "give the struct's fields `#[serde(default)]`",
        Source::Extract => "the extractor decides what an absent value is",
        Source::RequestId(_) => "every request has a tracking ID",
    };
    cx.error_spanned_by(first, format!("a default does not apply here: {what}"));
}

/// The last segment of a type's path: `Json` for `axum::Json<T>`.
pub fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(t) if t.qself.is_none() => t.path.segments.last().map(|s| s.ident.to_string()),
        Type::Group(t) => type_name(&t.elem),
        Type::Paren(t) => type_name(&t.elem),
        _ => None,
    }
}

/// The `T` of `Json<T>`, for hints.
fn inner_type(ty: &Type) -> String {
    if let Type::Path(t) = ty {
        if let Some(PathArguments::AngleBracketed(args)) =
            t.path.segments.last().map(|s| &s.arguments)
        {
            if let Some(GenericArgument::Type(inner)) = args.args.first() {
                return quote::quote!(#inner).to_string();
            }
        }
    }
    "T".to_owned()
}

/// Body extractors read the body, which qh reads itself: `#[extract]` takes
/// request-parts extractors only, and `Json<T>` is spelled `#[body] x: T`.
pub fn check_body_extractor(cx: &Ctxt, param: &Param<'_>) {
    let Some(name) = type_name(param.ty) else {
        return;
    };
    let extract = matches!(param.source, Source::Extract);
    let unannotated = param.source_spec().is_none();
    if !(extract || unannotated)
        || !(BODY_EXTRACTORS.contains(&name.as_str()) || extract && name == "String")
    {
        return;
    }
    let ident = if param.pattern.is_some() {
        "body".to_owned()
    } else {
        param.key.clone()
    };
    let hint = match name.as_str() {
        "Json" => format!("use `#[body] {ident}: {}`", inner_type(param.ty)),
        "String" => format!("use `#[body] {ident}: String` for a JSON string body"),
        _ => format!("use `#[body] {ident}: T` with a `serde::Deserialize` type"),
    };
    let message = if extract {
        format!("`#[extract]` takes extractors that read the request head, but `{name}` reads the body: {hint}")
    } else {
        format!("`{name}` reads the request body, which qh reads for you: {hint}")
    };
    cx.error_spanned_by(param.ty, message);
}

/// Body fields, query and path parameters and bare `#[header]`s are looked up
/// by the parameter's name, which a destructuring pattern does not have.
pub fn check_pattern_is_not_looked_up_by_name(cx: &Ctxt, param: &Param<'_>) {
    let Some(pattern) = param.pattern else {
        return;
    };
    let bare_header = param
        .specs
        .iter()
        .any(|s| matches!(&s.kind, SpecKind::Header(h) if matches!(h.name, HeaderName::FromIdent)));
    let by_name = matches!(
        param.source,
        Source::BodyField | Source::Query | Source::Path
    ) || bare_header;
    if !by_name {
        return;
    }
    let unannotated = param.source_spec().is_none();
    let is_body_extractor =
        type_name(param.ty).is_some_and(|name| BODY_EXTRACTORS.contains(&name.as_str()));
    if is_body_extractor {
        // Reported by `check_body_extractor`.
        return;
    }
    let looks_like_extractor = matches!(pattern, syn::Pat::TupleStruct(_) | syn::Pat::Struct(_));
    if unannotated && looks_like_extractor {
        cx.error_spanned_by(
            pattern,
            "this looks like an axum extractor: mark the parameter `#[extract]`; other parameters need a plain name, like `user_id: u64`",
        );
    } else {
        cx.error_spanned_by(
            pattern,
            "this parameter needs a plain name, like `user_id: u64`: its value is looked up by that name",
        );
    }
}

/// A bare `#[header]` on `x_ñ` names no valid header.
pub fn check_bare_header_name(cx: &Ctxt, param: &Param<'_>) {
    if param.pattern.is_some() {
        return;
    }
    for spec in &param.specs {
        if let SpecKind::Header(h) = &spec.kind {
            if let HeaderName::FromIdent = h.name {
                if let Err(message) = headers::check(&headers::from_ident(&param.ident)) {
                    cx.error_spanned_by(
                        &param.ident,
                        format!("{message}; name the header instead: `#[header(\"X-Name\")]`"),
                    );
                }
            }
        }
    }
}
