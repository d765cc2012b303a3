//! The expansion of a valid `#[derive(TrackingContext)]`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::ast::{Input, Source};
use crate::paths::Paths;

pub fn derive(input: &Input) -> TokenStream {
    let paths = Paths::new(input.container.krate.as_ref());
    let private = paths.private();
    let rt = quote!(#private);
    let ident = &input.original.ident;

    let headers = Ident::new("__qh_headers", Span::mixed_site());
    let id = Ident::new("__qh_id", Span::mixed_site());
    let map = Ident::new("__qh_map", Span::mixed_site());
    let parts = Ident::new("__qh_parts", Span::mixed_site());
    let value = Ident::new("__qh_value", Span::mixed_site());
    let error = Ident::new("__qh_error", Span::mixed_site());

    let name = |lower: &str| quote!(const { #rt::HeaderName::from_static(#lower) });

    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut id_header = quote!(#private::None);
    for field in input.fields() {
        let (field_ident, ty) = (field.ident, field.ty);
        match field.source() {
            Source::RequestId { header } => {
                if let Some(header) = &header {
                    let header = name(header);
                    id_header = quote!(#private::Some(&#header));
                }
                let header = match &header {
                    Some(header) => {
                        let header = name(header);
                        quote!(#private::Some(#header))
                    }
                    None => quote!(#private::None),
                };
                reads.push(quote_spanned! {ty.span()=>
                    #field_ident: <#ty as #rt::FromRequestId>::from_request_id(#id)
                });
                writes.push(quote_spanned! {ty.span()=>
                    #rt::put_id::<#ty>(&mut #map, #header, &self.#field_ident);
                });
            }
            Source::Header(header) => {
                let header = name(&header);
                reads.push(quote_spanned! {ty.span()=>
                    #field_ident: #rt::header::<#ty>(#headers, &#header)?
                });
                writes.push(quote_spanned! {ty.span()=>
                    #rt::put::<#ty>(&mut #map, #header, &self.#field_ident);
                });
            }
            // Unreachable after `valid`; left out rather than guessed.
            Source::None => {}
        }
    }
    let capacity = writes.len();

    quote! {
        #[automatically_derived]
        impl #ident {
            #[doc(hidden)]
            fn __qh_read(
                #headers: &#rt::HeaderMap,
                #id: &#rt::RequestId,
            ) -> #private::Result<Self, #rt::Error> {
                #private::Ok(Self { #(#reads,)* })
            }

            /// Reads this context from a header map, outside an axum handler
            /// (a message consumer, a test): the request ID from
            /// `x-request-id` if valid, else a new one (inside a qh request,
            /// that request's ID), and each `#[header]` field.
            ///
            /// # Errors
            ///
            /// A 400 `qh::Error` naming the header when a required header is
            /// absent or a header cannot be read as its field's type.
            pub fn from_headers(#headers: &#rt::HeaderMap) -> #private::Result<Self, #rt::Error> {
                let #id = #rt::id_from_headers(#headers, #id_header);
                Self::__qh_read(#headers, &#id).map_err(|#error| #error.with_request_id(#id))
            }

            /// The headers to send on an outbound call so the next service
            /// continues this request: the request ID and each `#[header]`
            /// field. `None` fields, and values that cannot be header
            /// values, are left out.
            #[must_use]
            pub fn to_headers(&self) -> #rt::HeaderMap {
                let mut #map = #rt::HeaderMap::with_capacity(#capacity);
                #(#writes)*
                #map
            }

            /// The context extracted for the current request, if an
            /// extractor made one inside a qh request context (the
            /// `qh::Tracking` layer or a `#[qh::endpoint]`); `None`
            /// elsewhere.
            #[must_use]
            pub fn current() -> #private::Option<Self>
            where
                for<'__qh> Self: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
            {
                #rt::context_get::<Self>()
            }
        }

        #[automatically_derived]
        impl<__QhS: ::core::marker::Send + ::core::marker::Sync> #private::FromRequestParts<__QhS> for #ident {
            type Rejection = #rt::Error;

            async fn from_request_parts(
                #parts: &mut #rt::Parts,
                _: &__QhS,
            ) -> #private::Result<Self, Self::Rejection> {
                let #id = #rt::id_from_parts(#parts, #id_header);
                let #value = Self::__qh_read(&#parts.headers, &#id).map_err(|#error| #rt::request_error(#error, #parts))?;
                {
                    #[allow(unused_imports)]
                    use #rt::{StoreClone as _, StoreNothing as _};
                    (&#rt::Store(&#value, &#id)).store();
                }
                #private::Ok(#value)
            }
        }
    }
}
