//! The expansion of a valid `#[derive(TrackingContext)]`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::ast::{Input, Source};
use crate::paths::Paths;

pub fn derive(input: &Input) -> TokenStream {
    let paths = Paths::new(input.container.krate.as_ref());
    let ident = &input.original.ident;

    let headers = Ident::new("__qh_headers", Span::mixed_site());
    let id = Ident::new("__qh_id", Span::mixed_site());
    let map = Ident::new("__qh_map", Span::mixed_site());
    let parts = Ident::new("__qh_parts", Span::mixed_site());
    let value = Ident::new("__qh_value", Span::mixed_site());
    let error = Ident::new("__qh_error", Span::mixed_site());

    let header_name = paths.tracking_header_name();
    let name = |lower: &str| quote!(const { #header_name::from_static(#lower) });
    let (from_request_id, to_header, header_param) = (
        paths.from_request_id(),
        paths.to_header(),
        paths.header_param(),
    );
    let (option, some, none, result, ok) = (
        paths.option(),
        paths.some(),
        paths.none(),
        paths.result(),
        paths.ok(),
    );
    let (header_map, request_id, error_ty, parts_ty) = (
        paths.tracking_header_map(),
        paths.tracking_request_id(),
        paths.tracking_error(),
        paths.tracking_parts(),
    );
    let (clone, send, sync) = (paths.clone(), paths.send(), paths.sync());
    let (store, store_clone, store_nothing) = (
        paths.tracking_store(),
        paths.tracking_store_clone(),
        paths.tracking_store_nothing(),
    );
    let (id_header_of, request_error, register) = (
        paths.tracking_id_header(),
        paths.tracking_request_error(),
        paths.tracking_register(),
    );
    let (check_header, peer_trusted) =
        (paths.tracking_check_header(), paths.tracking_peer_trusted());
    let (id_from_headers, id_from_parts, get, from_request_parts) = (
        paths.id_from_headers(),
        paths.id_from_parts(),
        paths.tracking_get(),
        paths.from_request_parts(),
    );

    let written = Ident::new("__qh_written", Span::mixed_site());
    let trusted = Ident::new("__qh_trusted", Span::mixed_site());
    // Trait methods rather than generic helpers: a type that cannot be a
    // header is reported at the field with the trait's message only, not
    // with a "required by a bound" note pointing into qh.
    let put = |header: &TokenStream, field_ident: &Ident, ty: &syn::Type| {
        quote_spanned! {ty.span()=>
            if let #some(#written) = <#ty as #to_header>::to_header(&self.#field_ident) {
                #map.insert(#header, #written);
            }
        }
    };

    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut id_header = quote!(#none);
    // Whether `to_headers` asks for the peer's trust: some field goes out
    // only from a trusted peer.
    let mut needs_trust = false;
    for field in input.fields() {
        let (field_ident, ty) = (field.ident, field.ty);
        match field.source() {
            Source::RequestId { header } => {
                if let Some(header) = &header {
                    let header = name(header);
                    id_header = quote!(#some(&#header));
                }
                let header = match &header {
                    Some(header) => {
                        let header = name(header);
                        quote!(#some(#header))
                    }
                    None => quote!(#none),
                };
                reads.push(quote_spanned! {ty.span()=>
                    #field_ident: <#ty as #from_request_id>::from_request_id(#id)
                });
                writes.push(quote_spanned! {ty.span()=>
                    if let #some(#written) = <#ty as #to_header>::to_header(&self.#field_ident) {
                        #map.insert(#id_header_of(#header, &#written), #written);
                    }
                });
            }
            Source::Header(header) => {
                let header = name(&header);
                let max_len = match field.max_len() {
                    Some(max) => {
                        let max = proc_macro2::Literal::usize_unsuffixed(max);
                        quote!(#some(#max))
                    }
                    None => quote!(#none),
                };
                reads.push(quote_spanned! {ty.span()=>
                    #field_ident: {
                        #check_header(#headers, &#header, #max_len)?;
                        <#ty as #header_param>::__qh_header(#headers, &#header)?
                    }
                });
                let write = put(&header, field_ident, ty);
                if field.forward_untrusted() {
                    writes.push(write);
                } else {
                    needs_trust = true;
                    writes.push(quote!(if #trusted { #write }));
                }
            }
            // Unreachable after `valid`; left out rather than guessed.
            Source::None => {}
        }
    }
    let capacity = writes.len();
    let ask_trust = needs_trust.then(|| quote!(let #trusted = #peer_trusted();));

    quote! {
        #[automatically_derived]
        impl #ident {
            #[doc(hidden)]
            fn __qh_read(
                #headers: &#header_map,
                #id: &#request_id,
            ) -> #result<Self, #error_ty> {
                #ok(Self { #(#reads,)* })
            }

            /// Reads this context from a header map: the request ID is the
            /// current request's inside one; outside (a message consumer, a
            /// test) the headers' `x-request-id` if valid, else a new one;
            /// and each `#[header]` field.
            ///
            /// # Errors
            ///
            /// A 400 `qh::Error` naming the header when a required header is
            /// absent or a header cannot be read as its field's type.
            pub fn from_headers(#headers: &#header_map) -> #result<Self, #error_ty> {
                let #id = #id_from_headers(#headers, #id_header);
                Self::__qh_read(#headers, &#id).map_err(|#error| #error.request_id(#id))
            }

            /// The headers to send on an outbound call so the next service
            /// continues this request: the request ID and each `#[header]`
            /// field. Inside a request whose peer is not trusted (the
            /// `qh::Tracking` layer's `Trust`), only the `forward_untrusted`
            /// fields go. `None` fields, and values that cannot be header
            /// values, are left out.
            #[must_use]
            pub fn to_headers(&self) -> #header_map {
                let mut #map = #header_map::with_capacity(#capacity);
                #ask_trust
                #(#writes)*
                #map
            }

            /// The context extracted for the current request, if an
            /// extractor made one inside a qh request context (the
            /// `qh::Tracking` layer or a `#[qh::endpoint]`); `None`
            /// elsewhere.
            #[must_use]
            pub fn current() -> #option<Self>
            where
                for<'__qh> Self: #clone + #send + #sync + 'static,
            {
                #get::<Self>()
            }
        }

        #[automatically_derived]
        impl<__QhS: #send + #sync> #from_request_parts<__QhS> for #ident {
            type Rejection = #error_ty;

            async fn from_request_parts(
                #parts: &mut #parts_ty,
                _: &__QhS,
            ) -> #result<Self, Self::Rejection> {
                let #id = #id_from_parts(#parts, #id_header);
                let #value = Self::__qh_read(&#parts.headers, &#id).map_err(|#error| #request_error(#error, #parts))?;
                {
                    #[allow(unused_imports)]
                    use #store_clone as _;
                    #[allow(unused_imports)]
                    use #store_nothing as _;
                    (&#store(&#value, &#id)).store();
                    // Outbound calls (`qh::propagation::headers()`) carry
                    // them, in this request's context only.
                    #register::<Self>(&#id, #value.to_headers());
                }
                #ok(#value)
            }
        }
    }
}
