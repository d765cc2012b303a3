//! What a derive with errors expands to besides the errors: the same items
//! with bodies that never run, so uses of `from_headers`, `to_headers`,
//! `current` and the extractor do not pile more errors on top.

use proc_macro2::TokenStream;
use quote::quote;

use crate::paths::Paths;

pub fn derive(input: &syn::DeriveInput, paths: &Paths) -> TokenStream {
    let (header_map, error, parts, result, option) = (
        paths.tracking_header_map(),
        paths.tracking_error(),
        paths.tracking_parts(),
        paths.result(),
        paths.option(),
    );
    let (from_request_parts, send, sync, unreachable) = (
        paths.from_request_parts(),
        paths.send(),
        paths.sync(),
        paths.unreachable(),
    );
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut with_state = input.generics.clone();
    with_state
        .params
        .push(syn::parse_quote!(__QhS: #send + #sync));
    let (impl_generics_s, _, _) = with_state.split_for_impl();

    quote! {
        #[automatically_derived]
        impl #impl_generics #ident #ty_generics #where_clause {
            #[allow(missing_docs, clippy::missing_errors_doc)]
            pub fn from_headers(_: &#header_map) -> #result<Self, #error> {
                #unreachable!()
            }

            #[allow(missing_docs)]
            pub fn to_headers(&self) -> #header_map {
                #unreachable!()
            }

            #[allow(missing_docs)]
            pub fn current() -> #option<Self> {
                #unreachable!()
            }
        }

        #[automatically_derived]
        impl #impl_generics_s #from_request_parts<__QhS> for #ident #ty_generics #where_clause {
            type Rejection = #error;

            async fn from_request_parts(
                _: &mut #parts,
                _: &__QhS,
            ) -> #result<Self, Self::Rejection> {
                #unreachable!()
            }
        }
    }
}
