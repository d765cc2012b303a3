//! The endpoint as the macro sees it: the route, and each parameter with
//! the source it is read from, decided here once.

use proc_macro2::Span;
use syn::{Attribute, FnArg, ItemFn, Pat, Type};

use crate::ctxt::Ctxt;
use crate::endpoint::args::{Args, Task};
use crate::endpoint::attr::{self, Spec, SpecKind};
use crate::endpoint::{conventions, route};
use crate::unraw;

pub struct Endpoint<'a> {
    pub func: &'a ItemFn,
    pub is_async: bool,
    pub params: Vec<Param<'a>>,
    /// The user's function with qh's parameter attributes removed.
    pub stripped: ItemFn,
    /// Uppercase.
    pub method: String,
    pub method_lit: Option<syn::LitStr>,
    pub path: String,
    pub path_lit: Option<syn::LitStr>,
    /// The path's `{name}`s, without braces or `*`.
    pub placeholders: Vec<String>,
    pub krate: Option<syn::Path>,
    /// `task` / `task = "optional"`: run through the tasks runner.
    pub task: Option<Task>,
    /// `retries = n`, and its key for errors.
    pub retries: Option<&'a crate::endpoint::args::Retries>,
    /// `rest`: its token, when given.
    pub rest: Option<&'a syn::Ident>,
    /// `errors(404, 409)`: the statuses of its own problem answers.
    pub errors: Vec<syn::LitInt>,
}

pub struct Param<'a> {
    /// The parameter's name, or `__qh_pattern` for a pattern.
    pub ident: syn::Ident,
    /// The name requests use: `r#type` → `type`.
    pub key: String,
    /// The parameter's pattern when it is not a plain name.
    pub pattern: Option<&'a Pat>,
    pub ty: &'a Type,
    pub specs: Vec<Spec<'a>>,
    pub source: Source,
    /// `#[cfg(…)]`s to repeat on what is generated for this parameter.
    pub cfgs: Vec<&'a Attribute>,
}

impl Param<'_> {
    /// The value of an absent parameter, from `default = …` or `#[default]`.
    pub fn default(&self) -> Option<&syn::Expr> {
        self.specs.iter().find_map(|s| s.default.as_ref())
    }

    /// The attribute that chose the source, for errors about it.
    pub fn source_spec(&self) -> Option<&Spec<'_>> {
        self.specs.iter().find(|s| s.is_source())
    }
}

pub enum Source {
    /// A top-level key of the JSON object body.
    BodyField,
    /// The whole body.
    Body,
    /// A header, by lowercase name (empty when the name was invalid).
    Header(String),
    Query,
    /// The whole query string, as one struct.
    QueryFlatten,
    Path,
    Extract,
    /// The tracking ID, optionally read from a specific header.
    RequestId(Option<String>),
}

impl<'a> Endpoint<'a> {
    pub fn from_ast(cx: &Ctxt, func: &'a ItemFn, args: &'a Args) -> Self {
        // `rest`: the conventions' route, under what is given explicitly.
        let inferred = args
            .rest
            .as_ref()
            .map(|_| conventions::infer(&unraw(&func.sig.ident), &conventions::id_params(func)));
        let method = match (&args.method, &inferred) {
            (Some(m), _) => m.value().to_ascii_uppercase(),
            (None, Some((method, _))) => (*method).to_owned(),
            (None, None) => "POST".to_owned(),
        };
        let path = match (&args.path, inferred) {
            (Some(p), _) => p.value(),
            (None, Some((_, path))) => path,
            (None, None) => format!("/{}", unraw(&func.sig.ident)),
        };
        let placeholders = route::placeholders(&path, &|message| match &args.path {
            Some(lit) => cx.error_spanned_by(lit, message),
            None => cx.error_spanned_by(&func.sig.ident, message),
        });

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
            let attrs = attr::parse(cx, &typed.attrs);
            if let FnArg::Typed(t) = stripped_arg {
                t.attrs = attrs.keep;
            }
            let key = if pattern.is_some() {
                String::new()
            } else {
                unraw(&ident)
            };
            let source = decide_source(&attrs.specs, &ident, &key, &method, &placeholders);
            params.push(Param {
                ident,
                key,
                pattern,
                ty: &typed.ty,
                specs: attrs.specs,
                source,
                cfgs: attrs.cfgs,
            });
        }
        Endpoint {
            func,
            is_async: func.sig.asyncness.is_some(),
            params,
            stripped,
            method,
            method_lit: args.method.clone(),
            path,
            path_lit: args.path.clone(),
            placeholders,
            krate: args.krate.clone(),
            task: args.task,
            retries: args.retries.as_ref(),
            rest: args.rest.as_ref(),
            errors: args.errors.clone().unwrap_or_default(),
        }
    }

    /// How errors name the route's origin: `rest`'s inference (for the
    /// method, a clause to append; for the path, `rest`), or nothing.
    pub fn inferred(&self, what: &str) -> String {
        match self.rest {
            Some(_) if what == "method" && self.method_lit.is_none() => {
                format!(
                    " (`{}` is `{}` by the `rest` conventions)",
                    self.func.sig.ident, self.method
                )
            }
            Some(_) if what == "path" && self.path_lit.is_none() => "rest".to_owned(),
            _ => String::new(),
        }
    }

    pub fn has_body(&self) -> bool {
        self.params
            .iter()
            .any(|p| matches!(p.source, Source::BodyField | Source::Body))
    }
}

/// Where a parameter's value comes from: its first source attribute, else a
/// `{name}` in the path, else the query (bodyless methods) or a body key.
/// `request_id` (by name or `#[request_id]`) may name its header with
/// `#[header("…")]`. Conflicting attributes are reported by `valid`.
fn decide_source(
    specs: &[Spec<'_>],
    ident: &syn::Ident,
    key: &str,
    method: &str,
    placeholders: &[String],
) -> Source {
    let mut sources = specs.iter().filter(|s| s.is_source());
    let is_id = specs.iter().any(|s| matches!(s.kind, SpecKind::RequestId))
        || (key == "request_id"
            && specs
                .iter()
                .filter(|s| s.is_source())
                .all(|s| matches!(s.kind, SpecKind::Header(_))));
    if is_id {
        let header = specs.iter().find_map(|s| match &s.kind {
            SpecKind::Header(h) => Some(h.lower(ident).unwrap_or_default()),
            _ => None,
        });
        return Source::RequestId(header);
    }
    match sources.next().map(|s| &s.kind) {
        None if placeholders.iter().any(|p| p == key) => Source::Path,
        None if route::is_bodyless(method) => Source::Query,
        None => Source::BodyField,
        Some(SpecKind::Header(h)) => Source::Header(h.lower(ident).unwrap_or_default()),
        Some(SpecKind::Query) => Source::Query,
        Some(SpecKind::QueryFlatten) => Source::QueryFlatten,
        Some(SpecKind::Path) => Source::Path,
        Some(SpecKind::Body) => Source::Body,
        Some(SpecKind::Extract) => Source::Extract,
        Some(SpecKind::RequestId | SpecKind::Default) => Source::BodyField,
    }
}
