//! The options of `#[qh::endpoint(…)]`.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::{LitStr, Token};

use crate::ctxt::Ctxt;

mod numbers;

use numbers::{errors, retries};

const OPTIONS: &str = "`method`, `path`, `task`, `retries`, `errors`, `crate`, `rest`";

/// The valid forms of `task`, for its errors.
const TASK_FORMS: &str =
    "`task` (always in the background) or `task = \"optional\"` (in the background when the client asks with `?async=true` or `X-Async: true`)";

#[derive(Default)]
pub struct Args {
    /// `method = "GET"`
    pub method: Option<LitStr>,
    /// `path = "/users/{id}"`
    pub path: Option<LitStr>,
    /// `crate = "my_qh"`
    pub krate: Option<syn::Path>,
    /// `task` or `task = "optional"`
    pub task: Option<Task>,
    /// `retries = 3`
    pub retries: Option<Retries>,
    /// `rest`: the route inferred from the function (`conventions.rs`).
    pub rest: Option<syn::Ident>,
    /// `errors(404, 409)`: the statuses of the endpoint's own problem
    /// answers, for its OpenAPI document.
    pub errors: Option<Vec<syn::LitInt>>,
}

/// `retries = n`: the key (for errors about it) and the count.
pub struct Retries {
    pub key: syn::Path,
    pub count: u32,
}

/// How a task endpoint runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// `task`: always submitted, answering `202`.
    Always,
    /// `task = "optional"`: submitted when the request asks for it.
    Optional,
}

pub fn parse(cx: &Ctxt, tokens: TokenStream) -> Args {
    let mut args = Args::default();
    if tokens.is_empty() {
        return args;
    }
    if let Some(error) = positional(&tokens) {
        cx.syn_error(error);
        return args;
    }
    let parser = syn::meta::parser(|meta| {
        parse_one(cx, &mut args, &meta);
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, tokens) {
        cx.syn_error(e);
    }
    args
}

fn parse_one(cx: &Ctxt, args: &mut Args, meta: &ParseNestedMeta<'_>) {
    let key = &meta.path;
    if key.is_ident("method") {
        // #[qh::endpoint(method = "GET")]
        if let Some(lit) = string_value(cx, meta, "method", args.method.is_some()) {
            args.method = Some(lit);
        }
    } else if key.is_ident("path") {
        // #[qh::endpoint(path = "/users/{id}")]
        if let Some(lit) = string_value(cx, meta, "path", args.path.is_some()) {
            args.path = Some(lit);
        }
    } else if key.is_ident("task") {
        task(cx, args, meta);
    } else if key.is_ident("retries") {
        retries(cx, args, meta);
    } else if key.is_ident("rest") {
        rest(cx, args, meta);
    } else if key.is_ident("errors") {
        // #[qh::endpoint(errors(404, 409))]
        errors(cx, args, meta);
    } else if key.is_ident("crate") {
        // #[qh::endpoint(crate = "my_qh")]
        if let Some(lit) = string_value(cx, meta, "crate", args.krate.is_some()) {
            match lit.parse::<syn::Path>() {
                Ok(path) => args.krate = Some(path),
                Err(_) => cx.error_spanned_by(
                    &lit,
                    format!(
                        "invalid crate path `{}`: expected a path such as `my_qh`",
                        lit.value()
                    ),
                ),
            }
        }
    } else {
        let name = key
            .get_ident()
            .map_or_else(|| quote::quote!(#key).to_string(), ToString::to_string);
        cx.error_spanned_by(
            key,
            format!("unknown option `{name}`: expected one of {OPTIONS}"),
        );
        skip_value(meta);
    }
}

fn task(cx: &Ctxt, args: &mut Args, meta: &ParseNestedMeta<'_>) {
    let mode = if meta.input.peek(Token![=]) {
        // #[qh::endpoint(task = "optional")]
        let value = match meta.value() {
            Ok(value) => value,
            Err(e) => {
                cx.syn_error(e);
                return;
            }
        };
        if value.is_empty() || value.peek(Token![,]) {
            cx.error_spanned_by(
                &meta.path,
                format!("`task =` needs a value: expected {TASK_FORMS}"),
            );
            return;
        }
        let expr = match value.parse::<syn::Expr>() {
            Ok(expr) => expr,
            Err(e) => {
                cx.syn_error(e);
                return;
            }
        };
        match &expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(lit),
                ..
            }) if lit.value() == "optional" => Task::Optional,
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(lit),
                ..
            }) => {
                cx.error_spanned_by(
                    lit,
                    format!("invalid task mode `{}`: expected {TASK_FORMS}", lit.value()),
                );
                return;
            }
            other => {
                cx.error_spanned_by(
                    other,
                    format!("expected the string literal `\"optional\"`: the task forms are {TASK_FORMS}"),
                );
                return;
            }
        }
    } else if meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(
            &meta.path,
            format!("`task` takes no parentheses: expected {TASK_FORMS}"),
        );
        skip_value(meta);
        return;
    } else {
        // #[qh::endpoint(task)]
        Task::Always
    };
    if args.task.is_some() {
        cx.error_spanned_by(&meta.path, "duplicate option `task`: remove one of them");
        return;
    }
    args.task = Some(mode);
}

/// `rest`: a bare flag.
fn rest(cx: &Ctxt, args: &mut Args, meta: &ParseNestedMeta<'_>) {
    let Some(ident) = meta.path.get_ident() else {
        return;
    };
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(
            &meta.path,
            "`rest` takes no value: write `#[qh::endpoint(rest)]`, and `method = …` or `path = …` to override what it infers",
        );
        skip_value(meta);
    } else if args.rest.is_some() {
        cx.error_spanned_by(&meta.path, "duplicate option `rest`: remove one of them");
    } else {
        // #[qh::endpoint(rest)]
        args.rest = Some(ident.clone());
    }
}

/// Reads `= "…"`, reporting a missing `=`, a non-string value or a repeat.
fn string_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>, name: &str, seen: bool) -> Option<LitStr> {
    let example = match name {
        "method" => "method = \"GET\"",
        "path" => "path = \"/users/{id}\"",
        _ => "crate = \"my_qh\"",
    };
    if !meta.input.peek(Token![=]) {
        cx.error_spanned_by(&meta.path, format!("expected a value: `{example}`"));
        skip_value(meta);
        return None;
    }
    let value = match meta.value() {
        Ok(v) => v,
        Err(e) => {
            cx.syn_error(e);
            return None;
        }
    };
    if value.is_empty() || value.peek(Token![,]) {
        cx.error_spanned_by(&meta.path, format!("`{name} =` needs a value: `{example}`"));
        return None;
    }
    let expr: syn::Expr = match value.parse() {
        Ok(e) => e,
        Err(e) => {
            cx.syn_error(e);
            return None;
        }
    };
    let lit = match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => s,
        other => {
            cx.error_spanned_by(other, format!("expected a string literal: `{example}`"));
            return None;
        }
    };
    if !lit.suffix().is_empty() {
        cx.error_spanned_by(
            &lit,
            format!("unexpected suffix `{}` on a string literal", lit.suffix()),
        );
        return None;
    }
    if seen {
        cx.error_spanned_by(
            &meta.path,
            format!("duplicate option `{name}`: remove one of them"),
        );
        return None;
    }
    Some(lit)
}

/// Consumes `= value` or `(…)` after an unknown key so parsing goes on.
fn skip_value(meta: &ParseNestedMeta<'_>) {
    if meta.input.peek(Token![=]) {
        let _ = meta
            .value()
            .and_then(syn::parse::ParseBuffer::parse::<syn::Expr>);
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.parse_nested_meta(|inner| {
            skip_value(&inner);
            Ok(())
        });
    }
}

/// `#[qh::endpoint("GET", "/health")]`: the options are named, so say how.
fn positional(tokens: &TokenStream) -> Option<syn::Error> {
    let parser = syn::punctuated::Punctuated::<LitStr, Token![,]>::parse_terminated;
    let lits = syn::parse::Parser::parse2(parser, tokens.clone()).ok()?;
    let named: Vec<String> = lits
        .iter()
        .map(|lit| {
            let value = lit.value();
            let key = if value.starts_with('/') {
                "path"
            } else if value.chars().all(|c| c.is_ascii_alphabetic()) && !value.is_empty() {
                "method"
            } else {
                "path"
            };
            format!("{key} = {}", quote::quote!(#lit))
        })
        .collect();
    lits.first()?;
    Some(syn::Error::new_spanned(
        tokens,
        format!(
            "options are named, not positional: write `#[qh::endpoint({})]`",
            named.join(", ")
        ),
    ))
}
