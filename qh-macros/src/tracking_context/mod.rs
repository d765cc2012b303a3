//! `#[derive(TrackingContext)]` (being written).

use proc_macro2::TokenStream;

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    syn::Error::new_spanned(&input.ident, "`TrackingContext` is not implemented yet").to_compile_error()
}
