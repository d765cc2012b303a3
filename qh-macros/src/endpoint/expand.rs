//! The generated code of a valid endpoint: the user's function and its
//! companion (`companion.rs`), the reads of its parameters (`extract.rs`),
//! its answer (`expand_returns.rs`, `expand_task.rs`), its OpenAPI
//! operation (`expand_openapi.rs`), its typed call (`expand_client.rs`),
//! and the `Handler` impl that runs them
//! in the request's scope.

use proc_macro2::TokenStream;
use quote::quote;

use crate::endpoint::ast::Endpoint;
use crate::endpoint::companion::{self, function_and_companion, Route};
use crate::endpoint::extract::{extraction, Locals, Waits};
use crate::endpoint::tokens::{arg, local};
use crate::endpoint::{expand_client, expand_openapi, expand_rerun, expand_returns, expand_task};
use crate::paths::Paths;
use crate::unraw;

pub fn endpoint(ep: &Endpoint<'_>) -> TokenStream {
    let paths = Paths::new(ep.krate.as_ref());
    let (companion, items) = function_and_companion(ep);
    let route = Route {
        name: unraw(&ep.func.sig.ident),
        path: &ep.path,
        method: &ep.method,
        task: ep.task.is_some(),
    };
    let impls = companion::impls(&paths, &companion, &route);
    let describe = expand_openapi::describe(&paths, ep, &companion);
    let rerun = expand_rerun::impls(&paths, ep, &companion);
    let call = expand_client::call(&paths, ep, &companion);
    let locals = Locals::new(ep);
    let x = extraction(&paths, ep, &locals);
    let (set_items, bounds) = (&x.items, &x.bounds);
    let body = handler_body(&paths, ep, &locals, &x);
    let future_ty = if locals.waits == Waits::Nothing {
        let (ready_future, response) = (paths.ready_future(), paths.response());
        quote!(#ready_future<#response>)
    } else {
        paths.box_future()
    };
    let Locals { state, s, .. } = &locals;
    let req = local("__qh_req");
    let (clone, send, sync) = (paths.clone(), paths.send(), paths.sync());
    let (handler, marker, request) = (paths.handler(), paths.endpoint_marker(), paths.request());
    quote! {
        #items

        #[doc(hidden)]
        const _: () = {
            #set_items
            #impls
            #describe
            #rerun
            #call

            #[automatically_derived]
            impl<#s> #handler<#marker, #s> for #companion
            where
                #s: #clone + #send + #sync + 'static,
                #(#bounds)*
            {
                type Future = #future_ty;

                #[allow(unused_variables, unused_mut, clippy::used_underscore_binding, clippy::result_large_err)]
                fn call(self, #req: #request, #state: #s) -> Self::Future {
                    #body
                }
            }
        };
    }
}

/// `Handler::call`: the request's scope prepared now (one future less to
/// box and poll), then the extraction and the call run inside it: through
/// `run_body` when the body is all there is to wait for, boxed when
/// anything else awaits, else answered at once. (A boxed endpoint that
/// reads nothing but its ID before its body starts the body's read
/// first, outside the scope: it only checks the content type and limits
/// the body, and its errors are answered at the first poll, inside.)
/// Each async block costs the compiler a state machine (its drops on
/// every early return, its layout, its `Send` check), so the generated
/// code has one only where the endpoint itself awaits.
fn handler_body(
    paths: &Paths,
    ep: &Endpoint<'_>,
    locals: &Locals,
    x: &crate::endpoint::extract::Extraction,
) -> TokenStream {
    let Locals {
        parts, body, id, ..
    } = locals;
    let (req, prepared, out) = (local("__qh_req"), local("__qh_prepared"), local("__qh_out"));
    let name = &ep.func.sig.ident;
    // `#[cfg]` on a parameter is repeated on its argument: a call argument
    // may carry one.
    let call_args = ep.params.iter().enumerate().map(|(index, param)| {
        let (cfgs, arg) = (&param.cfgs, arg(index));
        quote!(#(#cfgs)* #arg)
    });
    let call = if ep.is_async {
        quote!(#name(#(#call_args),*).await)
    } else {
        quote!(#name(#(#call_args),*))
    };
    let respond = expand_returns::answer(paths, ep, &out);
    let (ok, response) = (paths.ok(), paths.response());
    let answer = quote! {
        let #out = #call;
        #ok::<#response, #response>(#respond)
    };
    let tail = expand_task::tail(paths, ep, &call, answer);
    let before_run = expand_task::before(paths, ep, parts);
    let (prepare, route, id_header) = (paths.prepare(), &ep.path, &x.id_header);
    let (statements, after_body) = (&x.statements, &x.after_body);
    // Extractors below see the same ID only if a fresh one is remembered.
    let remember = !x.bounds.is_empty();
    let scope = quote! {
        let (mut #parts, #body) = #req.into_parts();
        let (#id, #prepared) = #prepare(&mut #parts, #id_header, #route, #remember);
        #before_run
    };
    let state = &locals.state;
    match locals.waits {
        Waits::BodyOnly => {
            // The reads before the body, then (once it is read) the body's and
            // the call: two closures, the wait for the body the runtime's.
            let (run_body, parts_ty, s) = (paths.run_body(), paths.parts(), &locals.s);
            let (result, option, bytes_ty) = (paths.result(), paths.option(), paths.bytes());
            let bytes = local("__qh_bytes");
            quote! {
                #scope
                #run_body(#prepared, #parts, #body, #state, move |#parts: &mut #parts_ty, #state: &#s| -> #result<_, #response> {
                    #(#statements)*
                    #ok(move |#bytes: #option<#bytes_ty>| -> #result<#response, #response> {
                        #(#after_body)*
                        #tail
                    })
                })
            }
        }
        Waits::More => {
            let (boxed, run) = (paths.boxed(), paths.run());
            let (bytes, read_local) = (local("__qh_bytes"), local("__qh_read"));
            // Nothing but the ID read before the body: the body's read
            // starts now (its errors wait for the first poll, in the
            // scope), so the boxed future holds the body, not the
            // request's parts.
            let (start, read) = match &x.read_future {
                Some(read) if x.statements.len() == x.id_reads => (
                    Some(quote!(let #read_local = #read;)),
                    Some(quote!(#read_local)),
                ),
                read => (None, read.clone()),
            };
            let body_read = read.map(|read| quote!(let #bytes = #read.await?;));
            let statements = &x.statements;
            quote! {
                #scope
                #start
                #boxed::pin(#run(#prepared, async move {
                    #(#statements)*
                    #body_read
                    #(#after_body)*
                    #tail
                }))
            }
        }
        Waits::Nothing => {
            let (ready, run_sync) = (paths.ready(), paths.run_sync());
            quote! {
                #scope
                #ready(#run_sync(#prepared, move || {
                    #(#statements)*
                    #tail
                }))
            }
        }
    }
}
