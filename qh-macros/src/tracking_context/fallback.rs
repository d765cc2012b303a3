//! What a derive with errors expands to besides the errors: the same items
//! with bodies that never run, so uses of `from_headers`, `to_headers`,
//! `current` and the extractor do not pile more errors on top.

use proc_macro2::TokenStream;
use quote::quote;

use crate::paths::Paths;

pub fn derive(input: &syn::DeriveInput, paths: &Paths) -> TokenStream {
    let private = paths.private();
    let rt = quote!(#private);
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut with_state = input.generics.clone();
    with_state
        .params
        .push(syn::parse_quote!(__QhS: ::core::marker::Send + ::core::marker::Sync));
    let (impl_generics_s, _, _) = with_state.split_for_impl();

    quote! {
        #[automatically_derived]
        impl #impl_generics #ident #ty_generics #where_clause {
            #[allow(missing_docs, clippy::missing_errors_doc)]
            pub fn from_headers(_: &#rt::HeaderMap) -> #private::Result<Self, #rt::Error> {
                ::core::unreachable!()
            }

            #[allow(missing_docs)]
            pub fn to_headers(&self) -> #rt::HeaderMap {
                ::core::unreachable!()
            }

            #[allow(missing_docs)]
            pub fn current() -> #private::Option<Self> {
                ::core::unreachable!()
            }
        }

        #[automatically_derived]
        impl #impl_generics_s #private::FromRequestParts<__QhS> for #ident #ty_generics #where_clause {
            type Rejection = #rt::Error;

            async fn from_request_parts(
                _: &mut #rt::Parts,
                _: &__QhS,
            ) -> #private::Result<Self, Self::Rejection> {
                ::core::unreachable!()
            }
        }
    }
}
