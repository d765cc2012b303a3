//! The generated code: the user's function as written, a braced companion
//! struct of the same name (type namespace, so no clash with the function)
//! that `qh::routes!` mounts, and its `Handler` impl.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::endpoint::ast::{Endpoint, Param, Source};
use crate::paths::Paths;

fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

fn key(param: &Param<'_>) -> String {
    let name = param.ident.to_string();
    name.strip_prefix("r#").unwrap_or(&name).to_owned()
}

pub fn endpoint(ep: &Endpoint<'_>) -> TokenStream {
    let p = Paths::new(ep.krate.as_ref()).private();
    let func = &ep.stripped;
    let vis = &ep.func.vis;
    let name = &ep.func.sig.ident;
    let name_str = name.to_string();
    let name_str = name_str.strip_prefix("r#").unwrap_or(&name_str);
    let route = &ep.path;
    let method = Ident::new(&ep.method, Span::call_site());

    let parts = local("__qh_parts");
    let body = local("__qh_body");
    let state = local("__qh_state");
    let req = local("__qh_req");
    let prepared = local("__qh_prepared");
    let id = local("__qh_id");
    let out = local("__qh_out");
    let s = local("__QhS");

    let args: Vec<Ident> = (0..ep.params.len())
        .map(|i| format_ident!("__qh_arg{}", i, span = Span::mixed_site()))
        .collect();

    // Field sets of the map-shaped sources.
    let body_set = field_set(&p, ep, MapSource::Body);
    let query_set = field_set(&p, ep, MapSource::Query);
    let path_set = field_set(&p, ep, MapSource::Path);
    let set_items = [&body_set, &query_set, &path_set].map(|set| set.as_ref().map(|s| &s.items));

    let mut extract = Vec::new();
    let mut id_header = quote!(#p::None);
    let mut extract_bounds = Vec::new();

    // Headers, the query and the tracking ID: plain reads of the parts.
    for (param, arg) in ep.params.iter().zip(&args) {
        let ty = param.ty;
        match &param.source {
            Source::Header(header) => {
                let read = quote_spanned!(ty.span()=> #p::header::<#ty>);
                extract.push(quote! {
                    let #arg: #ty = #read(&#parts.headers, &const { #p::HeaderName::from_static(#header) })
                        .map_err(#p::IntoResponse::into_response)?;
                });
            }
            Source::RequestId(header) => {
                if let Some(header) = header {
                    id_header = quote!(#p::Some(&const { #p::HeaderName::from_static(#header) }));
                }
                let read = quote_spanned!(ty.span()=> #p::request_id_param::<#ty>);
                extract.push(quote!(let #arg: #ty = #read(&#id);));
            }
            _ => {}
        }
    }
    if let Some(set) = &query_set {
        let ident = &set.ident;
        let fields = local("__qh_query");
        extract.push(quote! {
            let #fields: #ident = #p::query_fields(#parts.uri.query()).map_err(#p::IntoResponse::into_response)?;
        });
        extract.extend(set.takes(&p, &fields, &args));
    }

    // Path parameters and extractors need the parts mutably and may await.
    let mut needs_async = ep.is_async;
    if let Some(set) = &path_set {
        needs_async = true;
        let ident = &set.ident;
        let fields = local("__qh_path");
        let raw = local("__qh_raw_path");
        extract.push(quote! {
            let #raw = #p::path_params(&mut #parts, &#state)
                .await
                .map_err(#p::IntoResponse::into_response)?;
            let #fields: #ident = #p::path_fields(#raw.iter()).map_err(#p::IntoResponse::into_response)?;
        });
        extract.extend(set.takes(&p, &fields, &args));
    }
    for (param, arg) in ep.params.iter().zip(&args) {
        if let Source::Extract = param.source {
            needs_async = true;
            let ty = param.ty;
            extract_bounds.push(quote_spanned!(ty.span()=> #ty: #p::FromRequestParts<#s>,));
            extract.push(quote! {
                let #arg = <#ty as #p::FromRequestParts<#s>>::from_request_parts(&mut #parts, &#state)
                    .await
                    .map_err(#p::IntoResponse::into_response);
                let #arg: #ty = match #arg {
                    #p::Ok(value) => value,
                    #p::Err(rejected) => return #p::Err(#p::rejection(rejected).await),
                };
            });
        }
    }

    // The body comes last: reading it consumes the parts.
    let bytes = local("__qh_bytes");
    if ep.has_body() {
        needs_async = true;
        extract.push(quote! {
            let #bytes = #p::read_json_body(#parts, #body, &#state).await.map_err(#p::IntoResponse::into_response)?;
        });
        if let Some(set) = &body_set {
            let ident = &set.ident;
            let fields = local("__qh_fields");
            extract.push(quote! {
                let #fields: #ident = #p::body_fields(#bytes.as_deref()).map_err(#p::IntoResponse::into_response)?;
            });
            extract.extend(set.takes(&p, &fields, &args));
        }
        for (param, arg) in ep.params.iter().zip(&args) {
            if let Source::Body = param.source {
                let ty = param.ty;
                let read = quote_spanned!(ty.span()=> #p::whole_body::<#ty>);
                extract.push(quote! {
                    let #arg: #ty = #read(#bytes.as_deref()).map_err(#p::IntoResponse::into_response)?;
                });
            }
        }
    } else {
        extract.push(quote!(let _ = (&#state, #body);));
    }

    let call = if ep.is_async {
        quote!(#name(#(#args),*).await)
    } else {
        quote!(#name(#(#args),*))
    };
    let ret_span = match &ep.func.sig.output {
        syn::ReturnType::Default => ep.func.sig.ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    };
    // Every token of the call carries the return type's span, so a return
    // type that cannot answer is reported there.
    let responder = Ident::new("__qh_responder", ret_span);
    let respond = quote_spanned! {ret_span=>
        {
            #[allow(unused_imports)]
            use #p::{
                RespondAny as _, RespondBadErr as _, RespondBadResult as _, RespondJson as _,
                RespondResult as _, RespondResultAny as _,
            };
            let #responder = &&&&&#p::Responder::new(#out);
            #responder.__qh_respond()
        }
    };

    // Extractors below see the same ID only if a fresh one is remembered.
    let remember = !extract_bounds.is_empty();
    let (future_ty, body_tokens) = if needs_async {
        (
            quote!(#p::BoxFuture),
            quote! {
                #p::Box::pin(async move {
                    let (mut #parts, #body) = #req.into_parts();
                    let #prepared = #p::prepare(&mut #parts, #id_header, #route, #remember);
                    let #id = #prepared.id().clone();
                    #p::run(#prepared, async move {
                        #(#extract)*
                        let #out = #call;
                        #p::Ok::<#p::Response, #p::Response>(#respond)
                    })
                    .await
                })
            },
        )
    } else {
        (
            quote!(#p::Ready<#p::Response>),
            quote! {
                let (mut #parts, #body) = #req.into_parts();
                let #prepared = #p::prepare(&mut #parts, #id_header, #route, #remember);
                let #id = #prepared.id().clone();
                #p::ready(#p::run_sync(#prepared, move || {
                    #(#extract)*
                    let #out = #call;
                    #p::Ok::<#p::Response, #p::Response>(#respond)
                }))
            },
        )
    };

    quote! {
        #func

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}

        #[doc(hidden)]
        const _: () = {
            #(#set_items)*

            #[automatically_derived]
            impl ::core::clone::Clone for #name {
                fn clone(&self) -> Self {
                    #name {}
                }
            }

            #[automatically_derived]
            impl #p::Endpoint for #name {
                const NAME: &'static str = #name_str;
                const PATH: &'static str = #route;
                const METHOD: #p::Method = #p::Method::#method;
                fn handler() -> Self {
                    #name {}
                }
            }

            #[automatically_derived]
            impl<#s> #p::Handler<#p::EndpointMarker, #s> for #name
            where
                #s: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
                #(#extract_bounds)*
            {
                type Future = #future_ty;

                #[allow(unused_variables, unused_mut, clippy::used_underscore_binding, clippy::result_large_err)]
                fn call(self, #req: #p::Request, #state: #s) -> Self::Future {
                    #body_tokens
                }
            }
        };
    }
}

/// What a broken endpoint still generates: the companion with a handler that
/// is never run (the compile fails), so `qh::routes!` naming it reports
/// nothing extra.
pub fn fallback(ep: &Endpoint<'_>) -> TokenStream {
    let p = Paths::new(ep.krate.as_ref()).private();
    let func = &ep.stripped;
    let vis = &ep.func.vis;
    let name = &ep.func.sig.ident;
    let s = local("__QhS");
    quote! {
        #func

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}

        const _: () = {
            impl ::core::clone::Clone for #name {
                fn clone(&self) -> Self {
                    #name {}
                }
            }

            impl #p::Endpoint for #name {
                const NAME: &'static str = "";
                const PATH: &'static str = "/";
                const METHOD: #p::Method = #p::Method::POST;
                fn handler() -> Self {
                    #name {}
                }
            }

            impl<#s: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static>
                #p::Handler<#p::EndpointMarker, #s> for #name
            {
                type Future = #p::Ready<#p::Response>;

                fn call(self, _: #p::Request, _: #s) -> Self::Future {
                    #p::ready(#p::Response::default())
                }
            }
        };
    }
}

/// A generated struct holding the parameters of one map-shaped source.
struct FieldSet {
    ident: Ident,
    items: TokenStream,
    /// `(parameter index, field name in the struct, key)`
    members: Vec<(usize, Ident, String)>,
    tys: Vec<syn::Type>,
    source: MapSource,
}

/// The map-shaped sources, each read into one generated struct.
#[derive(Clone, Copy)]
enum MapSource {
    Body,
    Query,
    Path,
}

impl MapSource {
    fn holds(self, source: &Source) -> bool {
        matches!(
            (self, source),
            (Self::Body, Source::BodyField)
                | (Self::Query, Source::Query)
                | (Self::Path, Source::Path)
        )
    }

    fn struct_name(self) -> &'static str {
        match self {
            Self::Body => "__QhBodyFields",
            Self::Query => "__QhQueryFields",
            Self::Path => "__QhPathFields",
        }
    }

    /// The runtime trait whose `#[diagnostic::on_unimplemented]` message
    /// fits the source.
    fn field_trait(self) -> TokenStream {
        match self {
            Self::Body => quote!(BodyField),
            Self::Query | Self::Path => quote!(UrlField),
        }
    }

    /// The trait method that takes a read value, or reports it missing.
    fn take_fn(self) -> TokenStream {
        match self {
            Self::Body => quote!(__qh_take),
            Self::Query => quote!(__qh_take_query),
            Self::Path => quote!(__qh_take_path),
        }
    }
}

impl FieldSet {
    /// `let __qh_argN: T = take(fields.fN, "key", source)?;` per member.
    fn takes(&self, p: &TokenStream, fields: &Ident, args: &[Ident]) -> Vec<TokenStream> {
        // Trait methods, not free functions with bounds: an unsupported
        // type is then reported once, at the type, with the trait's message.
        let (trait_, take_fn) = (self.source.field_trait(), self.source.take_fn());
        self.members
            .iter()
            .zip(&self.tys)
            .map(|((index, member, key), ty)| {
                let arg = &args[*index];
                let take = quote_spanned!(ty.span()=> <#ty as #p::#trait_>::#take_fn);
                quote! {
                    let #arg: #ty = #take(#fields.#member, #key).map_err(#p::IntoResponse::into_response)?;
                }
            })
            .collect()
    }
}

fn field_set(p: &TokenStream, ep: &Endpoint<'_>, source: MapSource) -> Option<FieldSet> {
    let trait_ = source.field_trait();
    let members: Vec<(usize, Ident, String)> = ep
        .params
        .iter()
        .enumerate()
        .filter(|(_, param)| source.holds(&param.source))
        .map(|(i, param)| (i, format_ident!("f{}", i), key(param)))
        .collect();
    if members.is_empty() {
        return None;
    }
    let ident = Ident::new(source.struct_name(), Span::mixed_site());
    let tys: Vec<syn::Type> = members
        .iter()
        .map(|(i, ..)| ep.params[*i].ty.clone())
        .collect();
    let fields: Vec<&Ident> = members.iter().map(|(_, f, _)| f).collect();
    let keys: Vec<&String> = members.iter().map(|(.., k)| k).collect();
    let indices: Vec<usize> = (0..members.len()).collect();
    let reads: Vec<TokenStream> = tys
        .iter()
        .map(|ty| quote_spanned!(ty.span()=> <#ty as #p::#trait_>::__qh_next::<A>))
        .collect();
    let items = quote! {
        struct #ident {
            #(#fields: #p::Option<#tys>,)*
        }

        #[automatically_derived]
        impl ::core::default::Default for #ident {
            fn default() -> Self {
                Self { #(#fields: #p::None,)* }
            }
        }

        #[automatically_derived]
        impl #p::Fields for #ident {
            const NAMES: &'static [&'static str] = &[#(#keys),*];

            fn set<'de, A: #p::serde::de::MapAccess<'de>>(
                &mut self,
                index: usize,
                map: &mut A,
            ) -> #p::Result<bool, A::Error> {
                match index {
                    #(#indices => {
                        if self.#fields.is_some() {
                            return #p::Ok(false);
                        }
                        self.#fields = #p::Some(#reads(map)?);
                    })*
                    _ => {}
                }
                #p::Ok(true)
            }
        }
    };
    Some(FieldSet {
        ident,
        items,
        members,
        tys,
        source,
    })
}
