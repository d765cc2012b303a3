//! The endpoint as the macro sees it.

use proc_macro2::Span;
use syn::{FnArg, ItemFn, Pat, Type};

use crate::ctxt::Ctxt;
use crate::endpoint::args::Args;
use crate::endpoint::attr::{self, Spec};

pub struct Endpoint<'a> {
    pub func: &'a ItemFn,
    pub is_async: bool,
    pub params: Vec<Param<'a>>,
    /// The user's function with qh's parameter attributes removed.
    pub stripped: ItemFn,
    pub method: String,
    pub method_lit: Option<syn::LitStr>,
    pub path: String,
    pub path_lit: Option<syn::LitStr>,
    pub krate: Option<syn::Path>,
}

pub struct Param<'a> {
    pub ident: syn::Ident,
    /// The parameter's pattern when it is not a plain name.
    pub pattern: Option<&'a Pat>,
    pub ty: &'a Type,
    pub specs: Vec<Spec>,
    /// Decided in `valid`.
    pub source: Source,
}

pub enum Source {
    /// A top-level key of the JSON object body.
    BodyField,
    /// The whole body.
    Body,
    /// A header, by lowercase name.
    Header(String),
    Query,
    Path,
    Extract,
    /// The tracking ID, optionally read from a specific header.
    RequestId(Option<String>),
}

impl<'a> Endpoint<'a> {
    pub fn from_ast(cx: &Ctxt, func: &'a ItemFn, args: Args) -> Self {
        let mut stripped = func.clone();
        // Parameters are owned because the macro requires it (borrowed ones
        // are rejected), so the lint's advice cannot be followed.
        stripped
            .attrs
            .push(syn::parse_quote!(#[allow(clippy::needless_pass_by_value)]));
        let mut params = Vec::new();
        for (arg, stripped_arg) in func.sig.inputs.iter().zip(stripped.sig.inputs.iter_mut()) {
            let typed = match arg {
                FnArg::Receiver(recv) => {
                    cx.error_spanned_by(
                        recv.self_token,
                        "`self` parameters are not supported: an endpoint is a free function",
                    );
                    continue;
                }
                FnArg::Typed(t) => t,
            };
            let (ident, pattern) = match &*typed.pat {
                Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                    (p.ident.clone(), None)
                }
                // A pattern such as `State(state)`: fine wherever the value is
                // not looked up by the parameter's name (checked in `valid`).
                other => (
                    syn::Ident::new("__qh_pattern", Span::call_site()),
                    Some(other),
                ),
            };
            let (specs, keep) = attr::parse(cx, &typed.attrs, &ident);
            if let FnArg::Typed(t) = stripped_arg {
                t.attrs = keep;
            }
            params.push(Param {
                ident,
                pattern,
                ty: &typed.ty,
                specs,
                source: Source::BodyField,
            });
        }
        let name = func.sig.ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name);
        Endpoint {
            func,
            is_async: func.sig.asyncness.is_some(),
            params,
            stripped,
            method: args
                .method
                .as_ref()
                .map_or_else(|| "POST".to_owned(), |m| m.value().to_ascii_uppercase()),
            method_lit: args.method,
            path: args
                .path
                .as_ref()
                .map_or_else(|| format!("/{name}"), syn::LitStr::value),
            path_lit: args.path,
            krate: args.krate,
        }
    }

    pub fn has_body(&self) -> bool {
        self.params
            .iter()
            .any(|p| matches!(p.source, Source::BodyField | Source::Body))
    }
}
