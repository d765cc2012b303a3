//! Rules across the whole endpoint. Each function checks one thing, and says
//! why the rule exists.

use syn::Type;

use crate::ctxt::Ctxt;
use crate::endpoint::ast::{Endpoint, Source};
use crate::endpoint::attr::{Spec, SpecKind};

const METHODS: [&str; 9] = [
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT",
];

pub fn check(cx: &Ctxt, ep: &mut Endpoint<'_>) {
    check_signature(cx, ep);
    check_types(cx, ep);
    check_method(cx, ep);
    let placeholders = path_placeholders(cx, ep);
    decide_sources(cx, ep, &placeholders);
    check_placeholders_have_params(cx, ep, &placeholders);
    check_one_body(cx, ep);
    check_one_request_id(cx, ep);
    check_patterns_are_not_looked_up_by_name(cx, ep);
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

/// Every parameter is filled with an owned value read from the request.
fn check_types(cx: &Ctxt, ep: &Endpoint<'_>) {
    for param in &ep.params {
        match param.ty {
            Type::ImplTrait(ty) => cx.error_spanned_by(
                ty,
                "`impl Trait` parameters are not supported: name a concrete type the value can be read as",
            ),
            Type::Reference(ty) => cx.error_spanned_by(
                ty,
                "borrowed parameters are not supported: the request is gone when the function runs, use an owned type such as `String`",
            ),
            _ => {}
        }
    }
}

/// axum routes by the standard methods only.
fn check_method(cx: &Ctxt, ep: &Endpoint<'_>) {
    if let Some(lit) = &ep.method_lit {
        if !METHODS.contains(&ep.method.as_str()) {
            let expected = METHODS.map(|m| format!("`{m}`")).join(", ");
            cx.error_spanned_by(
                lit,
                format!(
                    "invalid method `{}`: expected one of {expected}",
                    lit.value().escape_debug()
                ),
            );
        }
    }
}

/// The `{name}` placeholders of the path, after checking the template is one
/// axum accepts (it would otherwise panic when the router is built).
fn path_placeholders(cx: &Ctxt, ep: &Endpoint<'_>) -> Vec<String> {
    let path = &ep.path;
    let error = |message: String| match &ep.path_lit {
        Some(lit) => cx.error_spanned_by(lit, message),
        None => cx.error_spanned_by(&ep.func.sig.ident, message),
    };
    if !path.starts_with('/') {
        error(format!(
            "invalid path `{path}`: paths must start with `/`, e.g. `/{}`",
            path.trim_start_matches('/')
        ));
        return Vec::new();
    }
    let mut names: Vec<String> = Vec::new();
    let segments: Vec<&str> = path[1..].split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        let opens = segment.matches('{').count();
        let closes = segment.matches('}').count();
        if opens == 0 && closes == 0 {
            continue;
        }
        if opens != closes || opens > 1 {
            error(format!(
                "invalid path `{path}`: unbalanced `{{` or `}}` in segment `{segment}`"
            ));
            continue;
        }
        let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            error(format!(
                "invalid path `{path}`: a placeholder must be a whole segment, like `/{{id}}`, found `{segment}`"
            ));
            continue;
        };
        let (wildcard, name) = match inner.strip_prefix('*') {
            Some(name) => (true, name),
            None => (false, inner),
        };
        if name.is_empty() {
            error(format!(
                "invalid path `{path}`: empty placeholder `{segment}`: name it, like `{{id}}`"
            ));
            continue;
        }
        if syn::parse_str::<syn::Ident>(name).is_err() {
            error(format!(
                "invalid path `{path}`: placeholder `{segment}` must be a parameter name"
            ));
            continue;
        }
        if wildcard && i + 1 != segments.len() {
            error(format!(
                "invalid path `{path}`: the catch-all `{segment}` must be the last segment"
            ));
            continue;
        }
        if names.iter().any(|n| n == name) {
            error(format!(
                "invalid path `{path}`: placeholder `{{{name}}}` appears twice"
            ));
            continue;
        }
        names.push(name.to_owned());
    }
    names
}

/// One source per parameter: a value read from two places would have to
/// pick one silently. `request_id` (by name or `#[request_id]`) may name the
/// header it is read from with `#[header("…")]`.
fn decide_sources(cx: &Ctxt, ep: &mut Endpoint<'_>, placeholders: &[String]) {
    let path = ep.path.clone();
    for param in &mut ep.params {
        let name = param.ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
        let in_path = placeholders.contains(&name);
        let conflict = |spec: &Spec, first: &str| {
            cx.error_at(
                spec.span,
                format!(
                    "`{}` conflicts with `{first}` on `{name}`: a parameter takes its value from one source",
                    spec.describe()
                ),
            );
        };
        let id_attr = param
            .specs
            .iter()
            .any(|s| matches!(s.kind, SpecKind::RequestId));
        let only_headers = param
            .specs
            .iter()
            .all(|s| matches!(s.kind, SpecKind::Header { .. }));
        if id_attr || (name == "request_id" && only_headers) {
            let (mut seen_id, mut header) = (false, None);
            for spec in &param.specs {
                match &spec.kind {
                    SpecKind::RequestId if seen_id => {
                        cx.error_at(spec.span, "duplicate `#[request_id]`")
                    }
                    SpecKind::RequestId => seen_id = true,
                    SpecKind::Header { name, .. } if header.is_none() => {
                        header = Some(name.clone())
                    }
                    _ => conflict(
                        spec,
                        if header.is_some() {
                            "#[header]"
                        } else {
                            "#[request_id]"
                        },
                    ),
                }
            }
            param.source = Source::RequestId(header);
            continue;
        }
        let mut specs = param.specs.iter();
        let Some(first) = specs.next() else {
            param.source = if in_path {
                Source::Path
            } else {
                Source::BodyField
            };
            continue;
        };
        for extra in specs {
            conflict(extra, first.describe());
        }
        param.source = match &first.kind {
            SpecKind::Path => {
                if !in_path {
                    cx.error_at(
                        first.span,
                        format!("`{name}` is marked `#[path]` but the path `{path}` has no `{{{name}}}`: add `{{{name}}}` to the path"),
                    );
                }
                Source::Path
            }
            other => {
                if in_path {
                    cx.error_at(
                        first.span,
                        format!(
                            "`{name}` is in the path as `{{{name}}}` but marked `{}`: drop the attribute or rename the placeholder",
                            first.describe()
                        ),
                    );
                }
                match other {
                    SpecKind::Header { name, .. } => Source::Header(name.clone()),
                    SpecKind::Query => Source::Query,
                    SpecKind::Body => Source::Body,
                    SpecKind::Extract => Source::Extract,
                    SpecKind::Path | SpecKind::RequestId => Source::Path,
                }
            }
        };
    }
}

/// A `{name}` with no parameter would be matched by the router and thrown
/// away, which is almost always a typo.
fn check_placeholders_have_params(cx: &Ctxt, ep: &Endpoint<'_>, placeholders: &[String]) {
    for name in placeholders {
        let has_param = ep.params.iter().any(|p| {
            matches!(p.source, Source::Path) && p.ident.to_string().trim_start_matches("r#") == name
        });
        if !has_param {
            let message = format!(
                "path placeholder `{{{name}}}` has no parameter: add a parameter named `{name}`"
            );
            match &ep.path_lit {
                Some(lit) => cx.error_spanned_by(lit, message),
                None => cx.error_spanned_by(&ep.func.sig.ident, message),
            }
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
        .map(|p| {
            p.specs
                .iter()
                .find(|s| matches!(s.kind, SpecKind::Body))
                .map(|s| s.span)
        });
    let first = whole.next();
    for extra in whole.flatten() {
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
        if let Source::Header(name) = &param.source {
            if let Some((_, first)) = seen.iter().find(|(seen, _)| seen == name) {
                let span = param
                    .specs
                    .iter()
                    .find(|s| matches!(s.kind, SpecKind::Header { .. }))
                    .map_or_else(|| param.ident.span(), |s| s.value_span);
                cx.error_at(
                    span,
                    format!(
                        "header `{name}` is already read by `{first}`: read it into one parameter"
                    ),
                );
            } else {
                seen.push((name, &param.ident));
            }
        }
    }
}

/// Body fields, query and path parameters and bare `#[header]`s are looked up
/// by the parameter's name, which a destructuring pattern does not have.
fn check_patterns_are_not_looked_up_by_name(cx: &Ctxt, ep: &Endpoint<'_>) {
    for param in &ep.params {
        let Some(pattern) = param.pattern else {
            continue;
        };
        let bare_header = param.specs.iter().any(|s| {
            matches!(
                s.kind,
                SpecKind::Header {
                    from_ident: true,
                    ..
                }
            )
        });
        let by_name = matches!(
            param.source,
            Source::BodyField | Source::Query | Source::Path
        ) || bare_header;
        if by_name {
            cx.error_spanned_by(
                pattern,
                "this parameter needs a plain name, like `user_id: u64`: its value is looked up by that name",
            );
        }
    }
}
