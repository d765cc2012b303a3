//! Every path the expansions name, built from one crate root: `::qh` by
//! default, or the user's `crate = "…"`.

use proc_macro2::TokenStream;
use quote::quote;

pub struct Paths {
    root: TokenStream,
}

impl Paths {
    pub fn new(krate: Option<&syn::Path>) -> Self {
        let root = match krate {
            Some(path) => quote!(#path),
            None => quote!(::qh),
        };
        Self { root }
    }

    /// `<root>::__private`: what generated code names.
    pub fn private(&self) -> TokenStream {
        let root = &self.root;
        quote!(#root::__private)
    }
}
