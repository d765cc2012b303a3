//! Procedural macros for qh. Depend on the `qh` crate, which
//! re-exports them; generated code names `::qh::__private` (or the crate
//! given with `crate = "…"`).

mod ctxt;
mod endpoint;
mod headers;
mod paths;
#[cfg(test)]
mod props;
mod tracking_context;

use proc_macro::TokenStream;

/// An identifier as the outside world spells it: `r#type` → `type` (body
/// keys, header names, path placeholders, the default route).
fn unraw(ident: &syn::Ident) -> String {
    use syn::ext::IdentExt;
    ident.unraw().to_string()
}

// The user docs are on the facade's re-exports (`qh/src/docs/`), where
// intra-doc links to `qh` items resolve.

/// `#[qh::endpoint]`: see the `qh` crate.
#[proc_macro_attribute]
pub fn endpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    endpoint::expand(args.into(), item.into()).into()
}

/// `#[derive(qh::TrackingContext)]`: see the `qh` crate.
#[proc_macro_derive(TrackingContext, attributes(header, request_id, qh))]
pub fn derive_tracking_context(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    tracking_context::derive(&input).into()
}
