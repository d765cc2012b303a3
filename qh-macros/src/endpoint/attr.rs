//! The attributes on an endpoint's parameters.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Meta};

use crate::ctxt::Ctxt;
use crate::headers;

/// What one parameter attribute says.
pub enum SpecKind {
    /// `#[header("X-Tenant")]`, `#[header(name = "X-Tenant")]`, or a bare
    /// `#[header]` whose name comes from the identifier (`from_ident`).
    Header { name: String, from_ident: bool },
    /// `#[query]`
    Query,
    /// `#[path]`
    Path,
    /// `#[body]`
    Body,
    /// `#[extract]`
    Extract,
    /// `#[request_id]`
    RequestId,
}

pub struct Spec {
    pub kind: SpecKind,
    /// The attribute's path token, for errors about the attribute as a whole.
    pub span: Span,
    /// What the attribute names (a header name's literal), else `span`.
    pub value_span: Span,
}

impl Spec {
    pub fn describe(&self) -> &'static str {
        match self.kind {
            SpecKind::Header { .. } => "#[header]",
            SpecKind::Query => "#[query]",
            SpecKind::Path => "#[path]",
            SpecKind::Body => "#[body]",
            SpecKind::Extract => "#[extract]",
            SpecKind::RequestId => "#[request_id]",
        }
    }
}

const SOURCES: [&str; 6] = ["header", "query", "path", "body", "extract", "request_id"];

/// Splits a parameter's attributes into qh specs and the ones to keep.
pub fn parse(cx: &Ctxt, attrs: &[Attribute], ident: &syn::Ident) -> (Vec<Spec>, Vec<Attribute>) {
    let mut specs = Vec::new();
    let mut keep = Vec::new();
    for attr in attrs {
        let Some(name) = attr.path().get_ident().map(ToString::to_string) else {
            keep.push(attr.clone());
            continue;
        };
        if !SOURCES.contains(&name.as_str()) {
            keep.push(attr.clone());
            continue;
        }
        let span = attr.path().span();
        let mut value_span = span;
        let kind = match name.as_str() {
            "header" => header(cx, attr, ident, &mut value_span),
            "query" => flag(cx, attr, SpecKind::Query),
            "path" => flag(cx, attr, SpecKind::Path),
            "body" => flag(cx, attr, SpecKind::Body),
            "extract" => flag(cx, attr, SpecKind::Extract),
            _ => flag(cx, attr, SpecKind::RequestId),
        };
        if let Some(kind) = kind {
            specs.push(Spec {
                kind,
                span,
                value_span,
            });
        }
    }
    (specs, keep)
}

/// `#[query]`, `#[path]`, `#[body]`, `#[extract]`, `#[request_id]` take no
/// arguments.
fn flag(cx: &Ctxt, attr: &Attribute, kind: SpecKind) -> Option<SpecKind> {
    match &attr.meta {
        Meta::Path(_) => Some(kind),
        Meta::List(list) => {
            let name = attr
                .path()
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            cx.error_spanned_by(&list.tokens, format!("`#[{name}]` takes no arguments"));
            None
        }
        Meta::NameValue(nv) => {
            let name = attr
                .path()
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            cx.error_spanned_by(&nv.value, format!("`#[{name}]` takes no value"));
            None
        }
    }
}

/// The header name of `#[header]`, checked and lowercased.
pub fn header(
    cx: &Ctxt,
    attr: &Attribute,
    ident: &syn::Ident,
    value_span: &mut Span,
) -> Option<SpecKind> {
    let lit = match &attr.meta {
        // #[header]: the name comes from the identifier
        Meta::Path(_) => return header_from_ident(cx, ident),
        // #[header("X-Tenant")], #[header(name = "X-Tenant")]; `#[header()]` is bare
        Meta::List(_) => match attr.parse_args_with(headers::parse_args) {
            Ok(Some(lit)) => lit,
            Ok(None) => return header_from_ident(cx, ident),
            Err(e) => {
                cx.syn_error(e);
                return None;
            }
        },
        Meta::NameValue(nv) => {
            cx.error_spanned_by(nv, "expected `#[header(\"Name\")]` or `#[header(name = \"Name\")]`, found `#[header = …]`");
            return None;
        }
    };
    *value_span = lit.span();
    match headers::check(&lit.value()) {
        Ok(name) => Some(SpecKind::Header {
            name,
            from_ident: false,
        }),
        Err(message) => {
            cx.error_spanned_by(&lit, message);
            None
        }
    }
}

/// The header a bare `#[header]` reads: `x_tenant` → `x-tenant`.
fn header_from_ident(cx: &Ctxt, ident: &syn::Ident) -> Option<SpecKind> {
    // A non-ASCII identifier makes no header name.
    match headers::check(&headers::from_ident(ident)) {
        Ok(name) => Some(SpecKind::Header {
            name,
            from_ident: true,
        }),
        Err(message) => {
            cx.error_spanned_by(
                ident,
                format!("{message}; name the header instead: `#[header(\"X-Name\")]`"),
            );
            None
        }
    }
}
