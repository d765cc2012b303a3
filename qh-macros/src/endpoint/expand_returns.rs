//! The return value, through the runtime's one classification of return
//! types (`return_kind!`, an autoref ladder: see qh-runtime's
//! `support/autoref.rs` and `returns/`): answered, or stored as a task's
//! outcome, with each part of the return type that does not fit reported
//! at its own span.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote_spanned;
use syn::spanned::Spanned;

use crate::endpoint::ast::Endpoint;
use crate::paths::Paths;

/// Where a return type that cannot be used is reported: the return type,
/// or the function's name when it has none.
fn return_span(ep: &Endpoint<'_>) -> Span {
    match &ep.func.sig.output {
        syn::ReturnType::Default => ep.func.sig.ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    }
}

/// Answers `out`, the function's return value: JSON, the error's answer,
/// or the value as it is.
pub(super) fn answer(paths: &Paths, ep: &Endpoint<'_>, out: &Ident) -> TokenStream {
    let checks = [paths.reply(), paths.ok_reply(), paths.error_reply()];
    consume(paths, ep, out, &checks, "__qh_respond")
}

/// `out` as a task's outcome: its JSON, or the error's message.
pub(super) fn outcome(paths: &Paths, ep: &Endpoint<'_>, out: &Ident) -> TokenStream {
    let checks = [
        paths.task_return(),
        paths.task_return(),
        paths.task_failure(),
    ];
    consume(paths, ep, out, &checks, "__qh_outcome")
}

/// `out`'s kind asked for the parts it needs checked, each checked at the
/// user's span (the return type, its `Ok` type, its error type when it is
/// written `Result<T, E>`) so each error underlines the type at fault and
/// names no internal bound, then the kind's `method` with the error's
/// answer (or message) the last check hands back.
fn consume(
    paths: &Paths,
    ep: &Endpoint<'_>,
    out: &Ident,
    checks: &[TokenStream; 3],
    method: &str,
) -> TokenStream {
    let ret_span = return_span(ep);
    let (ok_span, err_span) = match &ep.func.sig.output {
        syn::ReturnType::Type(_, ty) => match result_args(ty) {
            Some((ok, err)) => (ok.span(), err.span()),
            None => (ret_span, ret_span),
        },
        syn::ReturnType::Default => (ret_span, ret_span),
    };
    let kind = Ident::new("__qh_kind", ret_span);
    let needs = Ident::new("__qh_needs", ret_span);
    let err = Ident::new("__qh_err", ret_span);
    let method = Ident::new(method, ret_span);
    let (return_kind, kind_trait) = (paths.return_kind(), paths.kind());
    let [value_check, ok_check, err_check] = checks;
    let check_value = quote_spanned!(ret_span=> <_ as #value_check>::__qh_check(#needs.0););
    let check_ok = quote_spanned!(ok_span=> <_ as #ok_check>::__qh_check(#needs.1););
    let check_err = quote_spanned!(err_span=> <_ as #err_check>::__qh_check(#needs.2));
    quote_spanned! {ret_span=>
        {
            let #kind = #return_kind!(&#out);
            let #needs = #kind_trait::__qh_needs(&#kind);
            #check_value
            #check_ok
            let #err = #check_err;
            #kind_trait::#method(#kind, #out, #err)
        }
    }
}

/// `T` and `E` of a return type written `Result<T, E>` (any path ending in
/// `Result`): only where errors are underlined, the types checked are the
/// real ones.
pub(super) fn result_args(ty: &syn::Type) -> Option<(&syn::Type, &syn::Type)> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    match (types.next(), types.next(), types.next()) {
        (Some(ok), Some(err), None) => Some((ok, err)),
        _ => None,
    }
}
