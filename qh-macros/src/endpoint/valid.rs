//! Rules across the whole endpoint. Each function checks one thing, and says
//! why the rule exists. Nothing here changes the endpoint: sources were
//! decided while building it.

use crate::ctxt::Ctxt;
use crate::endpoint::ast::{Endpoint, Param, Source};
use crate::endpoint::attr::SpecKind;
use crate::endpoint::route;
use crate::endpoint::valid_param::{self, type_name};

pub fn check(cx: &Ctxt, ep: &Endpoint<'_>) {
    check_signature(cx, ep);
    check_rest_infers_something(cx, ep);
    route::check_method(cx, &ep.method, ep.method_lit.as_ref());
    for param in &ep.params {
        valid_param::check(cx, param);
    }
    check_path_params(cx, ep);
    check_placeholders_have_params(cx, ep);
    check_bodyless_method(cx, ep);
    check_one_body(cx, ep);
    check_one_request_id(cx, ep);
    check_distinct_headers(cx, ep);
    check_retries_on_task(cx, ep);
}

/// Retries run a task again after a failure; a plain endpoint's caller is
/// waiting for its answer, and retrying is the caller's call there.
fn check_retries_on_task(cx: &Ctxt, ep: &Endpoint<'_>) {
    if let (Some(retries), None) = (ep.retries, ep.task) {
        cx.error_spanned_by(
            &retries.key,
            format!(
                "`retries` applies to task endpoints only: add `task`, e.g. `#[qh::endpoint(task, retries = {})]`",
                retries.count
            ),
        );
    }
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
    if let syn::ReturnType::Type(_, ty) = &sig.output {
        if let syn::Type::Never(never) = &**ty {
            cx.error_spanned_by(
                never,
                "`!` cannot be returned from an endpoint: every request gets an answer; declare the type it will answer, like `-> String`, even while the body only panics",
            );
        }
    }
}

/// `rest` infers the method and the path; with both given it would do
/// nothing, which is a leftover or a misunderstanding.
fn check_rest_infers_something(cx: &Ctxt, ep: &Endpoint<'_>) {
    if let (Some(rest), Some(_), Some(_)) = (ep.rest, &ep.method_lit, &ep.path_lit) {
        cx.error_spanned_by(
            rest,
            "`rest` has nothing to infer: `method` and `path` are both given; remove `rest`, or one of them to have it inferred",
        );
    }
}

/// `#[path]` names a placeholder, and a placeholder's parameter is read from
/// the path: anything else is a typo the router would not catch.
fn check_path_params(cx: &Ctxt, ep: &Endpoint<'_>) {
    for param in &ep.params {
        let in_path = param.pattern.is_none() && ep.placeholders.contains(&param.key);
        if in_path && matches!(param.source, Source::RequestId(_)) {
            let name = &param.key;
            cx.error_spanned_by(
                &param.ident,
                format!(
                    "the path's `{{{name}}}` would be thrown away: `{name}` receives the request's tracking ID; to read the path segment, mark it `#[path]` or rename both"
                ),
            );
            continue;
        }
        let Some(spec) = param.source_spec() else {
            continue;
        };
        let name = &param.key;
        match (&param.source, in_path) {
            (Source::Path, false) if param.pattern.is_none() && ep.inferred("path").is_empty() => {
                cx.error_at(
                    spec.span,
                    format!(
                        "`{name}` is marked `#[path]` but the path `{}` has no `{{{name}}}`: add `{{{name}}}` to the path",
                        ep.path
                    ),
                );
            }
            (Source::Path, false) if param.pattern.is_none() => cx.error_at(
                spec.span,
                format!(
                    "`{name}` is marked `#[path]` but the path `{}` inferred by `rest` has no `{{{name}}}` (its segments are the parameters named `id`, `*_id` or `key`): give the path, like `path = \"{}/{{{name}}}\"`",
                    ep.path,
                    ep.path.trim_end_matches('/'),
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
                    "`{}` requests have no body{}: read the values with `#[query]` parameters, or use `method = \"POST\"`",
                    ep.method,
                    ep.inferred("method"),
                ),
            );
        }
    }
}

/// The body is read once: either whole (`#[body]`) or as an object whose keys
/// are the unannotated parameters, never both.
fn check_one_body(cx: &Ctxt, ep: &Endpoint<'_>) {
    let wholes = of_source(ep, |s| matches!(s, Source::Body));
    for extra in later_duplicates(&wholes) {
        if let Some(spec) = extra.source_spec() {
            cx.error_at(
                spec.span,
                "only one parameter can be `#[body]`: it takes the whole body",
            );
        }
    }
    for field in ep.params.iter().filter(|p| {
        matches!(p.source, Source::BodyField) && wholes.iter().any(|w| both_present(w, p))
    }) {
        cx.error_at(
            field.ident.span(),
            format!(
                "`{}` would be a key of the JSON body, but `#[body]` already takes the whole body: mark it `#[query]`, `#[header]` or `#[extract]`",
                field.ident
            ),
        );
    }
}

/// There is one tracking ID per request, read from one header.
fn check_one_request_id(cx: &Ctxt, ep: &Endpoint<'_>) {
    let ids = of_source(ep, |s| matches!(s, Source::RequestId(_)));
    for extra in later_duplicates(&ids) {
        cx.error_at(
            extra.ident.span(),
            format!(
                "`{}` is a second `request_id` parameter: a request has one tracking ID",
                extra.ident
            ),
        );
    }
}

fn of_source<'e, 'a>(ep: &'e Endpoint<'a>, wanted: fn(&Source) -> bool) -> Vec<&'e Param<'a>> {
    ep.params.iter().filter(|p| wanted(&p.source)).collect()
}

/// Each parameter that an earlier one is present with.
fn later_duplicates<'s, 'p, 'a>(
    params: &'s [&'p Param<'a>],
) -> impl Iterator<Item = &'p Param<'a>> + 's {
    params
        .iter()
        .enumerate()
        .filter(|(i, p)| params[..*i].iter().any(|first| both_present(first, p)))
        .map(|(_, p)| *p)
}

/// Two parameters reading the same header is a copy-paste slip.
fn check_distinct_headers(cx: &Ctxt, ep: &Endpoint<'_>) {
    let mut seen: Vec<(&str, &Param<'_>)> = Vec::new();
    for param in &ep.params {
        let Source::Header(name) = &param.source else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        if let Some((_, first)) = seen
            .iter()
            .find(|(seen, first)| seen == name && both_present(first, param))
        {
            let first = &first.ident;
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
            seen.push((name, param));
        }
    }
}

/// Whether two parameters are present together, as far as the macro can
/// tell: parameters under different `#[cfg]`s may be alternatives (`#[cfg(a)]`
/// and `#[cfg(not(a))]`), so only those with no `#[cfg]` or the same ones
/// are compared.
fn both_present(a: &Param<'_>, b: &Param<'_>) -> bool {
    let tokens = |p: &Param<'_>| {
        p.cfgs
            .iter()
            .map(|attr| quote::ToTokens::to_token_stream(attr).to_string())
            .collect::<Vec<_>>()
    };
    a.cfgs.is_empty() || b.cfgs.is_empty() || tokens(a) == tokens(b)
}
