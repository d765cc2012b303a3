//! The answer of an endpoint: its return value through the runtime's
//! responder, with each type that cannot answer reported at its own span.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote_spanned;
use syn::spanned::Spanned;

use crate::endpoint::ast::Endpoint;
use crate::paths::Paths;

/// Where a return type that cannot answer is reported: the return type, or
/// the function's name when it has none.
fn return_span(ep: &Endpoint<'_>) -> Span {
    match &ep.func.sig.output {
        syn::ReturnType::Default => ep.func.sig.ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    }
}

/// Answers `out`, the function's return value, through the runtime's
/// responder (JSON or `IntoResponse`, by autoref specialization over eight
/// levels).
pub(super) fn respond(paths: &Paths, ep: &Endpoint<'_>, out: &Ident) -> TokenStream {
    let levels = [
        paths.respond_result(),
        paths.respond_result_any(),
        paths.respond_bad_err(),
        paths.respond_bad_result(),
        paths.respond_json(),
        paths.respond_any(),
        paths.respond_none(),
    ];
    let dispatch = Dispatch {
        wrapper: paths.responder(),
        refs: 7,
        levels: &levels,
        checks: [paths.reply(), paths.ok_reply(), paths.error_reply()],
        method: "__qh_respond",
    };
    dispatch.expand(ep, out)
}

/// A value handed to one of the runtime's autoref ladders (the responder,
/// the task outcome): `(&…&Wrapper::new(out))` is asked once for the types
/// that cannot be used (each checked through a qualified path spanned at
/// the user's return type, its `Ok` type or its `Err` type when it is
/// written `Result<T, E>`, so each error underlines the type at fault and
/// names no internal bound), then once for the answer.
pub(super) struct Dispatch<'a> {
    /// The wrapper type, with a `new` function.
    pub wrapper: TokenStream,
    /// How many `&` the most specific level's `Self` type has: the value
    /// is borrowed once more, so that level is found first (by value).
    pub refs: usize,
    /// The level traits, imported for their methods.
    pub levels: &'a [TokenStream],
    /// The traits the return value, the `Ok` type and the `Err` type are
    /// checked against.
    pub checks: [TokenStream; 3],
    /// The method that answers.
    pub method: &'a str,
}

impl Dispatch<'_> {
    pub(super) fn expand(&self, ep: &Endpoint<'_>, out: &Ident) -> TokenStream {
        let ret_span = return_span(ep);
        let (ok_span, err_span) = match &ep.func.sig.output {
            syn::ReturnType::Type(_, ty) => match result_args(ty) {
                Some((ok, err)) => (ok.span(), err.span()),
                None => (ret_span, ret_span),
            },
            syn::ReturnType::Default => (ret_span, ret_span),
        };
        let value = Ident::new("__qh_value", ret_span);
        let checks = Ident::new("__qh_checks", ret_span);
        let method = Ident::new(self.method, ret_span);
        let (wrapper, levels) = (&self.wrapper, self.levels);
        let refs = (0..=self.refs).map(|_| quote_spanned!(ret_span=> &));
        let [value_check, ok_check, err_check] = &self.checks;
        let check_value = quote_spanned!(ret_span=> <_ as #value_check>::__qh_check(#checks.0););
        let check_ok = quote_spanned!(ok_span=> <_ as #ok_check>::__qh_check(#checks.1););
        let check_err = quote_spanned!(err_span=> <_ as #err_check>::__qh_check(#checks.2););
        quote_spanned! {ret_span=>
            {
                #(
                    #[allow(unused_imports)]
                    use #levels as _;
                )*
                let #value = #(#refs)* #wrapper::new(#out);
                let #checks = #value.__qh_checks();
                #check_value
                #check_ok
                #check_err
                #value.#method()
            }
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
