//! The generated code: the user's function as written, a braced companion
//! struct of the same name (type namespace, so no clash with the function)
//! that `qh::routes!` mounts, and its `Handler` impl.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::endpoint::ast::{Endpoint, Source};
use crate::endpoint::fields::{field_set, MapSource};
use crate::endpoint::{expand_respond, expand_task};
use crate::paths::Paths;
use crate::unraw;

pub(super) fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

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
/// that lets `qh::routes!` name it by the function's path; both the
/// expansion and the fallback of a broken endpoint emit them.
pub(super) fn function_and_companion(ep: &Endpoint<'_>) -> (Ident, TokenStream) {
    let companion = companion_name(ep);
    let (func, vis, name) = (&ep.stripped, companion_vis(ep), &ep.func.sig.ident);
    let items = quote! {
        #func

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #companion {}

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis type #name = #companion;
    };
    (companion, items)
}

/// `tokens` with every span set to `span`, so that a bound built from
/// runtime paths is reported at the user's type.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
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

pub fn endpoint(ep: &Endpoint<'_>) -> TokenStream {
    let paths = Paths::new(ep.krate.as_ref());
    let (companion, items) = function_and_companion(ep);
    let into_response = paths.into_response();
    let name = &ep.func.sig.ident;
    let name_str = unraw(name);
    let route = &ep.path;
    let method_str = &ep.method;
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
    let body_set = field_set(&paths, ep, MapSource::Body);
    let query_set = field_set(&paths, ep, MapSource::Query);
    let path_set = field_set(&paths, ep, MapSource::Path);
    let set_items = [&body_set, &query_set, &path_set].map(|set| set.as_ref().map(|s| &s.items));

    let mut extract = Vec::new();
    let mut id_header = paths.none();
    let mut extract_bounds = Vec::new();
    let mut extract_aliases = Vec::new();

    // Headers, the query and the tracking ID: plain reads of the parts.
    for (param, arg) in ep.params.iter().zip(&args) {
        let ty = param.ty;
        let cfgs = &param.cfgs;
        match &param.source {
            Source::Header(header) => {
                let header_param = paths.header_param();
                let header_name = paths.header_name();
                let name = quote!(&const { #header_name::from_static(#header) });
                let read = match param.default() {
                    None => {
                        let read = quote_spanned!(ty.span()=> <#ty as #header_param>::__qh_header);
                        quote!(#read(&#parts.headers, #name).map_err(#into_response::into_response)?)
                    }
                    Some(default) => {
                        let read =
                            quote_spanned!(ty.span()=> <#ty as #header_param>::__qh_header_opt);
                        let (some, none) = (paths.some(), paths.none());
                        let default = typed_default(ty, default);
                        quote! {
                            match #read(&#parts.headers, #name).map_err(#into_response::into_response)? {
                                #some(value) => value,
                                #none => #default,
                            }
                        }
                    }
                };
                extract.push(quote!(#(#cfgs)* let #arg: #ty = #read;));
            }
            Source::RequestId(header) => {
                if let Some(header) = header {
                    let (option, some, none) = (paths.option(), paths.some(), paths.none());
                    let header_name = paths.header_name();
                    id_header = if cfgs.is_empty() {
                        quote!(#some(&const { #header_name::from_static(#header) }))
                    } else {
                        // Under the parameter's `#[cfg]`s: a parameter
                        // configured away does not choose the header either.
                        quote!({
                            #[allow(unused_variables)]
                            let __qh_id_header: #option<#header_name> = #none;
                            #(#cfgs)*
                            let __qh_id_header = #some(#header_name::from_static(#header));
                            __qh_id_header
                        }
                        .as_ref())
                    };
                }
                // The trait method itself, spanned at the type: a type that
                // cannot be an ID is reported there, with no note pointing
                // into qh.
                let from_request_id = paths.from_request_id();
                let read = quote_spanned!(ty.span()=> <#ty as #from_request_id>::from_request_id);
                extract.push(quote!(#(#cfgs)* let #arg: #ty = #read(&#id);));
            }
            Source::QueryFlatten => {
                let query_struct = paths.query_struct();
                let read = quote_spanned!(ty.span()=> #query_struct::<#ty>);
                extract.push(quote! {
                    #(#cfgs)*
                    let #arg: #ty = #read(#parts.uri.query()).map_err(#into_response::into_response)?;
                });
            }
            _ => {}
        }
    }
    if let Some(set) = &query_set {
        let ident = &set.ident;
        let fields = local("__qh_query");
        let query_fields = paths.query_fields();
        extract.push(quote! {
            let #fields: #ident = #query_fields(#parts.uri.query()).map_err(#into_response::into_response)?;
        });
        extract.extend(set.takes(&paths, ep, &fields, &args));
    }

    // Path parameters and extractors need the parts mutably and may await.
    let mut needs_async = ep.is_async || ep.task.is_some();
    let from_request_parts = paths.from_request_parts();
    let (ok, err, rejection) = (paths.ok(), paths.err(), paths.rejection());
    if let Some(set) = &path_set {
        needs_async = true;
        let ident = &set.ident;
        let fields = local("__qh_path");
        let raw = local("__qh_raw_path");
        let (path_params, path_fields) = (paths.path_params(), paths.path_fields());
        extract.push(quote! {
            let #raw = #path_params(&mut #parts, &#state)
                .await
                .map_err(#into_response::into_response)?;
            let #fields: #ident = #path_fields(#raw.iter()).map_err(#into_response::into_response)?;
        });
        extract.extend(set.takes(&paths, ep, &fields, &args));
    }
    for (param, arg) in ep.params.iter().zip(&args) {
        if let Source::Extract = param.source {
            needs_async = true;
            let ty = param.ty;
            let cfgs = &param.cfgs;
            let extract_param = respan(paths.extract_param(), ty.span());
            if cfgs.is_empty() {
                extract_bounds.push(quote_spanned!(ty.span()=> #ty: #extract_param<#s>,));
            } else {
                // A where-predicate cannot carry `#[cfg]`, and the type may
                // exist only where the parameter does: bound an alias that
                // is the type there and `()` (an extractor of every state)
                // elsewhere.
                let alias = format_ident!("__QhExtract{}", extract_aliases.len());
                let preds = cfgs.iter().filter_map(|attr| match &attr.meta {
                    syn::Meta::List(list) => Some(&list.tokens),
                    _ => None,
                });
                extract_aliases.push(quote! {
                    #(#cfgs)*
                    type #alias = #ty;
                    #[cfg(not(all(#(#preds),*)))]
                    type #alias = ();
                });
                extract_bounds.push(quote_spanned!(ty.span()=> #alias: #extract_param<#s>,));
            }
            extract.push(quote! {
                #(#cfgs)*
                let #arg = <#ty as #from_request_parts<#s>>::from_request_parts(&mut #parts, &#state)
                    .await
                    .map_err(#into_response::into_response);
                #(#cfgs)*
                let #arg: #ty = match #arg {
                    #ok(value) => value,
                    #err(rejected) => return #err(#rejection(rejected).await),
                };
            });
        }
    }

    // The body comes last: reading it consumes the parts.
    let bytes = local("__qh_bytes");
    if ep.has_body() {
        needs_async = true;
        let read_json_body = paths.read_json_body();
        extract.push(quote! {
            let #bytes = #read_json_body(#parts, #body, &#state).await.map_err(#into_response::into_response)?;
        });
        if let Some(set) = &body_set {
            let ident = &set.ident;
            let fields = local("__qh_fields");
            let body_fields = paths.body_fields();
            extract.push(quote! {
                let #fields: #ident = #body_fields(#bytes.as_deref()).map_err(#into_response::into_response)?;
            });
            extract.extend(set.takes(&paths, ep, &fields, &args));
        }
        for (param, arg) in ep.params.iter().zip(&args) {
            if let Source::Body = param.source {
                let ty = param.ty;
                let cfgs = &param.cfgs;
                let whole_body = paths.whole_body();
                let read = quote_spanned!(ty.span()=> <#ty as #whole_body>::__qh_whole_body);
                extract.push(quote! {
                    #(#cfgs)*
                    let #arg: #ty = #read(#bytes.as_deref()).map_err(#into_response::into_response)?;
                });
            }
        }
    } else {
        extract.push(quote!(let _ = (&#state, #body);));
    }

    // `#[cfg]` on a parameter is repeated on its argument: a call argument
    // may carry one.
    let call_args = ep.params.iter().zip(&args).map(|(param, arg)| {
        let cfgs = &param.cfgs;
        quote!(#(#cfgs)* #arg)
    });
    let call = if ep.is_async {
        quote!(#name(#(#call_args),*).await)
    } else {
        quote!(#name(#(#call_args),*))
    };
    let respond = expand_respond::respond(&paths, ep, &out);
    let response = paths.response();
    let answer = quote! {
        let #out = #call;
        #ok::<#response, #response>(#respond)
    };
    let tail = expand_task::tail(&paths, ep, &call, answer);
    let before_run = expand_task::before(&paths, ep, &parts);
    let prepare = paths.prepare();
    // Extractors below see the same ID only if a fresh one is remembered.
    let remember = !extract_bounds.is_empty();
    let (future_ty, body_tokens) = if needs_async {
        let (box_future, boxed, run) = (paths.box_future(), paths.boxed(), paths.run());
        (
            box_future,
            quote! {
                // Resolved now, in `call`: one future less to box and poll.
                let (mut #parts, #body) = #req.into_parts();
                let #prepared = #prepare(&mut #parts, #id_header, #route, #remember);
                let #id = #prepared.id().clone();
                #before_run
                #boxed::pin(#run(#prepared, async move {
                    #(#extract)*
                    #tail
                }))
            },
        )
    } else {
        let (ready_future, ready, run_sync) =
            (paths.ready_future(), paths.ready(), paths.run_sync());
        (
            quote!(#ready_future<#response>),
            quote! {
                let (mut #parts, #body) = #req.into_parts();
                let #prepared = #prepare(&mut #parts, #id_header, #route, #remember);
                let #id = #prepared.id().clone();
                #ready(#run_sync(#prepared, move || {
                    #(#extract)*
                    #tail
                }))
            },
        )
    };

    let is_task = ep.task.is_some();
    let (clone, send, sync) = (paths.clone(), paths.send(), paths.sync());
    let (endpoint, method_ty, handler, marker, request) = (
        paths.endpoint(),
        paths.method(),
        paths.handler(),
        paths.endpoint_marker(),
        paths.request(),
    );
    quote! {
        #items

        #[doc(hidden)]
        const _: () = {
            #(#set_items)*
            #(#extract_aliases)*

            #[automatically_derived]
            impl #clone for #companion {
                fn clone(&self) -> Self {
                    #companion {}
                }
            }

            #[automatically_derived]
            impl #endpoint for #companion {
                const NAME: &'static str = #name_str;
                const PATH: &'static str = #route;
                const METHOD: #method_ty = #method_ty::#method;
                const METHOD_STR: &'static str = #method_str;
                const TASK: bool = #is_task;
                fn handler() -> Self {
                    #companion {}
                }
            }

            #[automatically_derived]
            impl<#s> #handler<#marker, #s> for #companion
            where
                #s: #clone + #send + #sync + 'static,
                #(#extract_bounds)*
            {
                type Future = #future_ty;

                #[allow(unused_variables, unused_mut, clippy::used_underscore_binding, clippy::result_large_err)]
                fn call(self, #req: #request, #state: #s) -> Self::Future {
                    #body_tokens
                }
            }
        };
    }
}
