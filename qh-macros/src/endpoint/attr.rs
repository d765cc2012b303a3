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
                    let path = &meta.path;
                    let name = path
                        .get_ident()
                        .map_or_else(|| quote::quote!(#path).to_string(), ToString::to_string);
                    let valid = match did_you_mean(&name, &["default", "flatten"]) {
                        Some(meant) => format!("did you mean `{meant}`? The valid options"),
                        None => "the valid options".to_owned(),
                    };
                    Err(meta.error(format!(
                        "unknown option `{name}` in `#[query(…)]`: {valid} are `default = …` \
                         and `flatten`"
                    )))
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

/// The candidate a mistyped `word` most likely meant: one at most a third
/// of its length of single-character edits (or swaps of two neighbours)
/// away.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (edits(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: insertions, deletions,
/// substitutions and transpositions of neighbours each cost one.
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn a_near_miss_is_suggested_and_a_different_word_is_not() {
        let options = ["default", "flatten"];
        assert_eq!(did_you_mean("defualt", &options), Some("default"));
        assert_eq!(did_you_mean("defaults", &options), Some("default"));
        assert_eq!(did_you_mean("flaten", &options), Some("flatten"));
        assert_eq!(did_you_mean("rename", &options), None);
        assert_eq!(did_you_mean("x", &options), None);
    }
}
