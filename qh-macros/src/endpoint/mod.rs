//! `#[qh::endpoint]`: parse → validate → expand.

mod args;
mod ast;
mod attr;
mod companion;
mod conventions;
mod expand;
mod expand_client;
mod expand_openapi;
mod expand_rerun;
mod expand_returns;
mod expand_task;
mod extract;
mod fallback;
mod fields;
#[cfg(test)]
mod props;
mod route;
mod tokens;
mod valid;
mod valid_param;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut func = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(func)) => func,
        Ok(other) => return not_a_function(&other, &item),
        // Not even an item: leave the error to rustc's own parser.
        Err(_) => return item,
    };
    let cx = Ctxt::new();
    // A second `#[qh::endpoint]` below this one: one error, and one
    // expansion (the second would define every item again).
    func.attrs.retain(|attr| {
        let path = attr.path();
        let twice =
            path.segments.len() <= 2 && path.segments.last().is_some_and(|s| s.ident == "endpoint");
        if twice {
            cx.error_spanned_by(attr, "`#[qh::endpoint]` is applied twice: keep one");
        }
        !twice
    });
    let args = args::parse(&cx, args);
    let endpoint = ast::Endpoint::from_ast(&cx, &func, &args);
    valid::check(&cx, &endpoint);
    match cx.check() {
        Ok(()) => expand::endpoint(&endpoint),
        Err(errors) => {
            // Keep the function (attributes stripped) so its callers still
            // resolve and only the real mistakes are reported.
            let errors = errors.to_compile_error();
            if func.sig.receiver().is_some() {
                // A method sits in an `impl` block, where the companion struct
                // is not allowed: emit only the method, and only our error.
                let stripped = &endpoint.stripped;
                return quote!(#stripped #errors);
            }
            let fallback = fallback::fallback(&endpoint);
            quote!(#fallback #errors)
        }
    }
}

fn not_a_function(item: &syn::Item, tokens: &TokenStream) -> TokenStream {
    let message = "`#[qh::endpoint]` can only be applied to functions";
    let error = match item {
        syn::Item::Struct(s) => syn::Error::new_spanned(s.struct_token, message),
        syn::Item::Enum(e) => syn::Error::new_spanned(e.enum_token, message),
        syn::Item::Impl(i) => syn::Error::new_spanned(
            i.impl_token,
            format!("{message}; put it on a free function, not an `impl` block"),
        ),
        syn::Item::Mod(m) => syn::Error::new_spanned(m.mod_token, message),
        syn::Item::Const(c) => syn::Error::new_spanned(c.const_token, message),
        syn::Item::Static(s) => syn::Error::new_spanned(s.static_token, message),
        syn::Item::Trait(t) => syn::Error::new_spanned(t.trait_token, message),
        syn::Item::Type(t) => syn::Error::new_spanned(t.type_token, message),
        other => syn::Error::new_spanned(other, message),
    }
    .to_compile_error();
    quote!(#tokens #error)
}
