//! The attributes on an endpoint's parameters.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Meta};

use crate::ctxt::Ctxt;
use crate::headers::{self, Header};

/// What one parameter attribute says.
pub enum SpecKind<'a> {
    /// `#[header]`, `#[header("X-Tenant")]`, `#[header(name = "…", default = …)]`
    Header(Box<Header<'a>>),
    /// `#[query]`, `#[query(default = 20)]`
    Query,
    /// `#[query(flatten)]`: the whole query string as one struct.
    QueryFlatten,
    /// `#[path]`
    Path,
    /// `#[body]`
    Body,
    /// `#[extract]`
    Extract,
    /// `#[request_id]`
    RequestId,
    /// `#[default(20)]`: the value of an absent parameter, any source.
    Default,
}

pub struct Spec<'a> {
    pub kind: SpecKind<'a>,
    /// The attribute's path token, for errors about the attribute as a whole.
    pub span: Span,
    /// `default = …` given in this attribute.
    pub default: Option<syn::Expr>,
}

impl Spec<'_> {
    pub fn describe(&self) -> &'static str {
        match self.kind {
            SpecKind::Header(_) => "#[header]",
            SpecKind::Query => "#[query]",
            SpecKind::QueryFlatten => "#[query(flatten)]",
            SpecKind::Path => "#[path]",
            SpecKind::Body => "#[body]",
            SpecKind::Extract => "#[extract]",
            SpecKind::RequestId => "#[request_id]",
            SpecKind::Default => "#[default]",
        }
    }

    pub fn is_source(&self) -> bool {
        !matches!(self.kind, SpecKind::Default)
    }
}

const ATTRS: [&str; 7] = [
    "header",
    "query",
    "path",
    "body",
    "extract",
    "request_id",
    "default",
];

/// A parameter's attributes, sorted out.
pub struct ParamAttrs<'a> {
    pub specs: Vec<Spec<'a>>,
    /// Attributes the function keeps (`#[allow]`, doc comments, …).
    pub keep: Vec<Attribute>,
    /// `#[cfg(…)]`s, copied onto everything generated for the parameter.
    pub cfgs: Vec<&'a Attribute>,
}

/// Splits a parameter's attributes into qh specs, `cfg`s and the ones to keep.
pub fn parse<'a>(cx: &Ctxt, attrs: &'a [Attribute]) -> ParamAttrs<'a> {
    let mut out = ParamAttrs {
        specs: Vec::new(),
        keep: Vec::new(),
        cfgs: Vec::new(),
    };
    for attr in attrs {
        if attr.path().is_ident("cfg") {
            out.cfgs.push(attr);
            out.keep.push(attr.clone());
            continue;
        }
        if attr.path().is_ident("cfg_attr") {
            if check_cfg_attr(cx, attr) {
                out.keep.push(attr.clone());
            }
            continue;
        }
        if attr.path().is_ident("doc") {
            // Passed through a macro, `/// …` becomes `#[doc = "…"]` and
            // rustc's own message about it is lost: give that message.
            cx.error_spanned_by(
                attr,
                "documentation comments cannot be applied to function parameters",
            );
            continue;
        }
        let Some(name) = attr.path().get_ident().map(ToString::to_string) else {
            out.keep.push(attr.clone());
            continue;
        };
        if !ATTRS.contains(&name.as_str()) {
            out.keep.push(attr.clone());
            continue;
        }
        let span = attr.path().span();
        let spec = |kind, default| Spec {
            kind,
            span,
            default,
        };
        match name.as_str() {
            "header" => {
                let header = headers::parse_header(cx, attr);
                let default = header.default.clone();
                out.specs
                    .push(spec(SpecKind::Header(Box::new(header)), default));
            }
            "query" => {
                if let Some((flatten, default)) = query(cx, attr) {
                    let kind = if flatten {
                        SpecKind::QueryFlatten
                    } else {
                        SpecKind::Query
                    };
                    out.specs.push(spec(kind, default));
                }
            }
            "default" => {
                if let Some(default) = default_value(cx, attr) {
                    out.specs.push(spec(SpecKind::Default, Some(default)));
                }
            }
            "request_id" => {
                if headers::parse_request_id(cx, attr) {
                    out.specs.push(spec(SpecKind::RequestId, None));
                }
            }
            other => {
                let kind = match other {
                    "path" => SpecKind::Path,
                    "body" => SpecKind::Body,
                    _ => SpecKind::Extract,
                };
                if flag(cx, attr, other) {
                    out.specs.push(spec(kind, None));
                }
            }
        }
    }
    out
}

/// `#[path]`, `#[body]`, `#[extract]` take no arguments.
fn flag(cx: &Ctxt, attr: &Attribute, name: &str) -> bool {
    match &attr.meta {
        Meta::Path(_) => true,
        Meta::List(list) => {
            let message = format!("`#[{name}]` takes no arguments");
            if list.tokens.is_empty() {
                // `#[path()]`: the parentheses are the mistake.
                cx.error_at(list.delimiter.span().join(), message);
            } else {
                cx.error_spanned_by(&list.tokens, message);
            }
            false
        }
        Meta::NameValue(nv) => {
            cx.error_spanned_by(&nv.value, format!("`#[{name}]` takes no value"));
            false
        }
    }
}

/// `#[query]`, `#[query(default = 20)]`, `#[query(flatten)]`: returns
/// `(flatten, default)`.
fn query(cx: &Ctxt, attr: &Attribute) -> Option<(bool, Option<syn::Expr>)> {
    match &attr.meta {
        Meta::Path(_) => Some((false, None)),
        Meta::NameValue(nv) => {
            cx.error_spanned_by(
                &nv.value,
                "`#[query]` takes no value: write `#[query(default = …)]` for a default",
            );
            None
        }
        Meta::List(_) => {
            let (mut flatten, mut default) = (false, None);
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("default") && default.is_none() {
                    // #[query(default = 20)]
                    default = Some(meta.value()?.parse::<syn::Expr>()?);
                    Ok(())
                } else if meta.path.is_ident("flatten") && !flatten {
                    // #[query(flatten)] filter: Filter
                    flatten = true;
                    Ok(())
                } else if meta.path.is_ident("default") || meta.path.is_ident("flatten") {
                    Err(meta.error("duplicate option"))
                } else {
                    Err(meta.error(
                        "unknown option in `#[query(…)]`: the valid options are `default = …` and `flatten`",
                    ))
                }
            });
            match result {
                Err(e) => {
                    cx.syn_error(e);
                    None
                }
                Ok(()) if flatten && default.is_some() => {
                    cx.error_spanned_by(
                        &default,
                        "`#[query(flatten)]` takes no `default`: give the struct's fields `#[serde(default)]`",
                    );
                    None
                }
                Ok(()) => Some((flatten, default)),
            }
        }
    }
}

/// `#[default(20)]` or `#[default = 20]`.
fn default_value(cx: &Ctxt, attr: &Attribute) -> Option<syn::Expr> {
    match &attr.meta {
        Meta::Path(path) => {
            cx.error_spanned_by(
                path,
                "`#[default]` needs a value: `#[default(20)]`; for `Option<T>` parameters an absent value is already `None`",
            );
            None
        }
        Meta::List(_) => match attr.parse_args::<syn::Expr>() {
            Ok(expr) => Some(expr),
            Err(e) => {
                cx.syn_error(e);
                None
            }
        },
        Meta::NameValue(nv) => Some(nv.value.clone()),
    }
}

/// `cfg_attr` is evaluated after this macro runs, so a qh attribute inside
/// one would be read by nobody. Returns whether to keep the attribute (not
/// when reported, so rustc does not add its own error about it).
fn check_cfg_attr(cx: &Ctxt, attr: &Attribute) -> bool {
    let Meta::List(list) = &attr.meta else {
        return true;
    };
    let Ok(nested) =
        list.parse_args_with(syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated)
    else {
        return true;
    };
    let mut keep = true;
    for meta in nested.iter().skip(1) {
        // `cfg_attr(a, cfg_attr(b, header("X")))`: the inner one too.
        if meta.path().is_ident("cfg_attr") {
            let inner = Attribute {
                meta: meta.clone(),
                ..attr.clone()
            };
            keep &= check_cfg_attr(cx, &inner);
            continue;
        }
        if let Some(name) = meta.path().get_ident() {
            if ATTRS.iter().any(|a| name == a) {
                cx.error_spanned_by(
                    meta,
                    format!("`#[{name}]` cannot be inside `cfg_attr`: the endpoint's sources are decided before `cfg_attr` applies; write the parameter twice, each under its own `#[cfg(…)]`"),
                );
                keep = false;
            }
        }
    }
    keep
}
