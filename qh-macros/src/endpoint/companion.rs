//! The companion of an endpoint: a braced struct named after the function
//! (type namespace, so no clash with it) that `qh::routes!` mounts, with its
//! `Clone` and `Endpoint` impls; both the expansion and the fallback of a
//! broken endpoint emit it.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::endpoint::ast::Endpoint;
use crate::paths::Paths;
use crate::unraw;

/// The companion's visibility: the function's, widened from private to
/// `pub(crate)` so that naming a private endpoint from another module
/// reports the function as private (checked by `qh::routes!`), not a
/// generated struct.
fn companion_vis(ep: &Endpoint<'_>) -> TokenStream {
    match &ep.func.vis {
        syn::Visibility::Inherited => quote!(pub(crate)),
        vis => quote!(#vis),
    }
}

/// The companion struct's own name: `users` itself is only an alias of it,
/// so an item of the same name (a sibling `mod users`) clashes once, with
/// the alias, instead of with every impl.
fn companion_name(ep: &Endpoint<'_>) -> Ident {
    format_ident!("__qh_{}", unraw(&ep.func.sig.ident))
}

/// The user's function as written, then the companion struct and the alias
/// that lets `qh::routes!` name it by the function's path.
pub(super) fn function_and_companion(ep: &Endpoint<'_>) -> (Ident, TokenStream) {
    let companion = companion_name(ep);
    let (func, vis, name) = (&ep.stripped, companion_vis(ep), &ep.func.sig.ident);
    let docs = route_docs(ep);
    // A route `rest` inferred is shown where the function's docs are; an
    // explicit one is already in the attribute the reader sees.
    let hidden = ep.rest.is_none().then(|| quote!(#[doc(hidden)]));
    let items = quote! {
        #func

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #companion {}

        #docs
        #hidden
        #[allow(non_camel_case_types)]
        #vis type #name = #companion;
    };
    (companion, items)
}

/// The companion's rustdoc: the route, and where it comes from.
fn route_docs(ep: &Endpoint<'_>) -> TokenStream {
    let name = unraw(&ep.func.sig.ident);
    let route = format!("`{} {}`", ep.method, ep.path);
    let origin = match (ep.rest.is_some(), &ep.method_lit, &ep.path_lit) {
        (false, _, _) => String::new(),
        (true, None, None) => {
            " (method and path inferred by `rest` from the name and parameters)".to_owned()
        }
        (true, Some(_), _) => " (path inferred by `rest`; method given)".to_owned(),
        (true, None, Some(_)) => " (method inferred by `rest`; path given)".to_owned(),
    };
    let first = format!(" The endpoint `{name}`: {route}{origin}.");
    let second = " Mounted by `qh::routes!`; with qh's cargo feature `client`, `call` sends a request to it.";
    quote!(#[doc = #first] #[doc = ""] #[doc = #second])
}

/// What `qh::routes!` reads of an endpoint; all empty for a broken one,
/// whose empty path clashes with nothing.
pub(super) struct Route<'a> {
    pub name: String,
    pub path: &'a str,
    pub method: &'a str,
    pub task: bool,
}

/// The companion's `Clone` and `Endpoint` impls.
pub(super) fn impls(paths: &Paths, companion: &Ident, route: &Route<'_>) -> TokenStream {
    let (clone, endpoint, method_ty) = (paths.clone(), paths.endpoint(), paths.method());
    let Route {
        name,
        path,
        method,
        task,
    } = route;
    let method_const = Ident::new(
        if method.is_empty() { "POST" } else { method },
        Span::call_site(),
    );
    quote! {
        #[automatically_derived]
        impl #clone for #companion {
            fn clone(&self) -> Self {
                #companion {}
            }
        }

        #[automatically_derived]
        impl #endpoint for #companion {
            const NAME: &'static str = #name;
            const PATH: &'static str = #path;
            const METHOD: #method_ty = #method_ty::#method_const;
            const METHOD_STR: &'static str = #method;
            const TASK: bool = #task;
            fn handler() -> Self {
                #companion {}
            }
        }
    }
}
