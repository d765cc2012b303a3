//! Small token helpers every part of the expansion shares: the generated
//! locals and the spans errors are reported at.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote_spanned};
use syn::spanned::Spanned;

/// A local of the generated code, invisible to the user's tokens.
pub(super) fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The local holding parameter `index` once extracted.
pub(super) fn arg(index: usize) -> Ident {
    format_ident!("__qh_arg{}", index, span = Span::mixed_site())
}

/// `tokens` with every span set to `span`, so that a bound built from
/// runtime paths is reported at the user's type.
pub(super) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut new =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                new.set_span(span);
                tree = proc_macro2::TokenTree::Group(new);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// `{ let value: T = default; value }`: a default of the wrong type is then
/// a plain "expected `T`" at the user's expression.
pub(super) fn typed_default(ty: &syn::Type, default: &syn::Expr) -> TokenStream {
    let value = local("__qh_default");
    quote_spanned!(default.span()=> { let #value: #ty = #default; #value })
}
