//! Rules across the whole endpoint. Each function checks one thing, and says
//! why the rule exists. Nothing here changes the endpoint: sources were
//! decided while building it.

use syn::{GenericArgument, PathArguments, Type};

use crate::ctxt::Ctxt;
use crate::endpoint::ast::{Endpoint, Param, Source};
use crate::endpoint::attr::{Spec, SpecKind};
use crate::endpoint::route;

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

pub fn check(cx: &Ctxt, ep: &Endpoint<'_>) {
    check_signature(cx, ep);
    check_types(cx, ep);
    route::check_method(cx, &ep.method, ep.method_lit.as_ref());
    for param in &ep.params {
        check_one_source(cx, param);
        check_default(cx, param);
        check_body_extractor(cx, param);
        check_pattern_is_not_looked_up_by_name(cx, param);
        check_bare_header_name(cx, param);
    }
    check_path_params(cx, ep);
    check_placeholders_have_params(cx, ep);
    check_bodyless_method(cx, ep);
    check_one_body(cx, ep);
    check_one_request_id(cx, ep);
    check_distinct_headers(cx, ep);
}

/// The companion handler calls the function with concrete, owned values, so
/// generics, `unsafe` and C variadics have nothing to be instantiated with.
fn check_signature(cx: &Ctxt, ep: &Endpoint<'_>) {
    let sig = &ep.func.sig;
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "generic functions cannot be endpoints: the handler needs concrete parameter types",
        );
    } else if let Some(where_clause) = &sig.generics.where_clause {
        cx.error_spanned_by(
            where_clause.where_token,
            "endpoints cannot have a `where` clause: the handler needs concrete parameter types",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        cx.error_spanned_by(
            unsafety,
            "`unsafe fn` cannot be an endpoint: requests cannot uphold its contract",
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "variadic functions cannot be endpoints");
    }
}

/// Every parameter is filled with an owned value read from the request,
/// which is gone when the function runs: no borrow anywhere in the type
/// (`&str`, `Option<&str>`, `Vec<&[u8]>`).
fn check_types(cx: &Ctxt, ep: &Endpoint<'_>) {
    for param in &ep.params {
        if let Type::ImplTrait(ty) = param.ty {
            cx.error_spanned_by(
                ty,
                "`impl Trait` parameters are not supported: name a concrete type the value can be read as",
            );
        } else if let Some(reference) = find_reference(param.ty) {
            cx.error_spanned_by(
                reference,
                "borrowed parameters are not supported: the request is gone when the function runs, use an owned type such as `String`",
            );
        }
    }
}

fn find_reference(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Reference(_) => Some(ty),
        Type::Paren(t) => find_reference(&t.elem),
        Type::Group(t) => find_reference(&t.elem),
        Type::Slice(t) => find_reference(&t.elem),
        Type::Array(t) => find_reference(&t.elem),
        Type::Tuple(t) => t.elems.iter().find_map(find_reference),
        Type::Path(t) => t.path.segments.iter().find_map(|segment| {
            let PathArguments::AngleBracketed(args) = &segment.arguments else {
                return None;
            };
            args.args.iter().find_map(|arg| match arg {
                GenericArgument::Type(t) => find_reference(t),
                _ => None,
            })
        }),
        _ => None,
    }
}

/// One source per parameter: a value read from two places would have to
/// pick one silently. `request_id` may name its header with `#[header]`.
fn check_one_source(cx: &Ctxt, param: &Param<'_>) {
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
fn check_default(cx: &Ctxt, param: &Param<'_>) {
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
fn type_name(ty: &Type) -> Option<String> {
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
fn check_body_extractor(cx: &Ctxt, param: &Param<'_>) {
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
fn check_pattern_is_not_looked_up_by_name(cx: &Ctxt, param: &Param<'_>) {
    let Some(pattern) = param.pattern else {
        return;
    };
    let bare_header = param.specs.iter().any(|s| {
        matches!(&s.kind, SpecKind::Header(h) if matches!(h.name, crate::headers::HeaderName::FromIdent))
    });
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
fn check_bare_header_name(cx: &Ctxt, param: &Param<'_>) {
    if param.pattern.is_some() {
        return;
    }
    for spec in &param.specs {
        if let SpecKind::Header(h) = &spec.kind {
            if let crate::headers::HeaderName::FromIdent = h.name {
                if let Err(message) =
                    crate::headers::check(&crate::headers::from_ident(&param.ident))
                {
                    cx.error_spanned_by(
                        &param.ident,
                        format!("{message}; name the header instead: `#[header(\"X-Name\")]`"),
                    );
                }
            }
        }
    }
}

/// `#[path]` names a placeholder, and a placeholder's parameter is read from
/// the path: anything else is a typo the router would not catch.
fn check_path_params(cx: &Ctxt, ep: &Endpoint<'_>) {
    for param in &ep.params {
        let in_path = param.pattern.is_none() && ep.placeholders.contains(&param.key);
        let Some(spec) = param.source_spec() else {
            continue;
        };
        let name = &param.key;
        match (&param.source, in_path) {
            (Source::Path, false) if param.pattern.is_none() => cx.error_at(
                spec.span,
                format!(
                    "`{name}` is marked `#[path]` but the path `{}` has no `{{{name}}}`: add `{{{name}}}` to the path",
                    ep.path
                ),
            ),
            (Source::Path | Source::RequestId(_), _) | (_, false) => {}
            (_, true) => cx.error_at(
                spec.span,
                format!(
                    "`{name}` is in the path as `{{{name}}}` but marked `{}`: drop the attribute or rename the placeholder",
                    spec.describe()
                ),
            ),
        }
    }
}

/// A `{name}` with no parameter would be matched by the router and thrown
/// away, which is almost always a typo. An `#[extract]`ed axum `Path` reads
/// placeholders itself.
fn check_placeholders_have_params(cx: &Ctxt, ep: &Endpoint<'_>) {
    let axum_path = ep.params.iter().any(|p| {
        matches!(p.source, Source::Extract)
            && type_name(p.ty).is_some_and(|n| n == "Path" || n == "RawPathParams")
    });
    if axum_path {
        return;
    }
    for name in &ep.placeholders {
        // A parameter of that name with another source is reported once,
        // by `check_path_params`.
        if ep
            .params
            .iter()
            .any(|p| p.pattern.is_none() && &p.key == name)
        {
            continue;
        }
        let param = if syn::parse_str::<syn::Ident>(name).is_ok() {
            name.clone()
        } else {
            format!("r#{name}")
        };
        let message = format!(
            "path placeholder `{{{name}}}` has no parameter: add a parameter named `{param}`"
        );
        match &ep.path_lit {
            Some(lit) => cx.error_spanned_by(lit, message),
            None => cx.error_spanned_by(&ep.func.sig.ident, message),
        }
    }
}

/// GET, HEAD and DELETE have no body semantics (RFC 9110): clients and
/// proxies may drop one.
fn check_bodyless_method(cx: &Ctxt, ep: &Endpoint<'_>) {
    if !route::is_bodyless(&ep.method) {
        return;
    }
    for param in ep
        .params
        .iter()
        .filter(|p| matches!(p.source, Source::Body))
    {
        if let Some(spec) = param.source_spec() {
            cx.error_at(
                spec.span,
                format!(
                    "`{}` requests have no body: read the values with `#[query]` parameters, or use `method = \"POST\"`",
                    ep.method
                ),
            );
        }
    }
}

/// The body is read once: either whole (`#[body]`) or as an object whose keys
/// are the unannotated parameters, never both.
fn check_one_body(cx: &Ctxt, ep: &Endpoint<'_>) {
    let mut whole = ep
        .params
        .iter()
        .filter(|p| matches!(p.source, Source::Body))
        .filter_map(|p| p.source_spec().map(|s| s.span));
    let first = whole.next();
    for extra in whole {
        cx.error_at(
            extra,
            "only one parameter can be `#[body]`: it takes the whole body",
        );
    }
    if first.is_some() {
        for field in ep
            .params
            .iter()
            .filter(|p| matches!(p.source, Source::BodyField))
        {
            cx.error_at(
                field.ident.span(),
                format!(
                    "`{}` would be a key of the JSON body, but `#[body]` already takes the whole body: mark it `#[query]`, `#[header]` or `#[extract]`",
                    field.ident
                ),
            );
        }
    }
}

/// There is one tracking ID per request, read from one header.
fn check_one_request_id(cx: &Ctxt, ep: &Endpoint<'_>) {
    let mut ids = ep
        .params
        .iter()
        .filter(|p| matches!(p.source, Source::RequestId(_)));
    if ids.next().is_some() {
        for extra in ids {
            cx.error_at(
                extra.ident.span(),
                format!(
                    "`{}` is a second `request_id` parameter: a request has one tracking ID",
                    extra.ident
                ),
            );
        }
    }
}

/// Two parameters reading the same header is a copy-paste slip.
fn check_distinct_headers(cx: &Ctxt, ep: &Endpoint<'_>) {
    let mut seen: Vec<(&str, &syn::Ident)> = Vec::new();
    for param in &ep.params {
        let Source::Header(name) = &param.source else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        if let Some((_, first)) = seen.iter().find(|(seen, _)| seen == name) {
            let tokens = param.specs.iter().find_map(|s| match &s.kind {
                SpecKind::Header(h) => Some(h.name_tokens()),
                _ => None,
            });
            let message =
                format!("header `{name}` is already read by `{first}`: read it into one parameter");
            match tokens {
                Some(tokens) => cx.error_spanned_by(tokens, message),
                None => cx.error_spanned_by(&param.ident, message),
            }
        } else {
            seen.push((name, &param.ident));
        }
    }
}
