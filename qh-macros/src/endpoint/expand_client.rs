//! The endpoint's typed call: an inherent `call` on the companion that
//! sends the function's arguments where the endpoint reads them and
//! decodes the answer through the return type's kind (the classification
//! the answer itself follows). Emitted always, inside the runtime's
//! `client_item!`, which drops it unread without the feature `client`.
//!
//! What the client needs of the types is stated as where-clauses over
//! `call`'s own lifetime, so rustc checks them where `call` is used (the
//! runtime's `client/bounds.rs` says why).

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::endpoint::args::Task;
use crate::endpoint::ast::{Endpoint, Param, Source};
use crate::endpoint::expand_returns::result_args;
use crate::endpoint::tokens::local;
use crate::paths::Paths;
use crate::unraw;

/// Return types answered as they are, by the last segment of their path:
/// their `call` gives the answer itself (`qh::client::Answer`).
const PASSED_THROUGH: [&str; 16] = [
    "Response",
    "Html",
    "Json",
    "Redirect",
    "StatusCode",
    "Sse",
    "Body",
    "Bytes",
    "BytesMut",
    "ErrorResponse",
    "NoContent",
    "HeaderMap",
    "Parts",
    "AppendHeaders",
    "Form",
    "Extension",
];

pub(super) fn call(paths: &Paths, ep: &Endpoint<'_>, companion: &Ident) -> TokenStream {
    if !placeholders_filled(ep) {
        // An `#[extract]`ed axum `Path` reads them: nothing says what to
        // send there, so there is no call.
        return quote!();
    }
    let client = paths.client();
    let lifetime = syn::Lifetime::new("'__qh_c", Span::call_site());
    let (call_var, client_var) = (local("__qh_call"), local("__qh_client"));
    let mut args = Vec::new();
    let mut bounds = Vec::new();
    let mut statements = Vec::new();
    let mut aliases = Vec::new();
    for (index, param) in ep.params.iter().enumerate() {
        let Some((method, bound)) = sent(param) else {
            continue;
        };
        let (ty, cfgs) = (param.ty, &param.cfgs);
        let name = match param.pattern {
            None => param.ident.clone(),
            Some(_) => format_ident!("__qh_arg{}", index, span = Span::mixed_site()),
        };
        args.push(quote!(#(#cfgs)* #name: #ty));
        let bound = Ident::new(bound, ty.span());
        let bounded = if cfgs.is_empty() {
            quote!(#ty)
        } else {
            // A where-predicate cannot carry `#[cfg]`, and the type may
            // exist only where the parameter does (as for extractors).
            let alias = format_ident!("__QhClientArg{}", index);
            let preds = cfgs.iter().filter_map(|attr| match &attr.meta {
                syn::Meta::List(list) => Some(&list.tokens),
                _ => None,
            });
            aliases.push(quote! {
                #(#cfgs)*
                type #alias = #ty;
                #[cfg(not(all(#(#preds),*)))]
                type #alias = ::std::string::String;
            });
            quote!(#alias)
        };
        bounds.push(quote_spanned!(ty.span()=> #bounded: #client::#bound<#lifetime>,));
        let key = match &param.source {
            Source::Header(name) => name.clone(),
            _ if param.pattern.is_some() => "body".to_owned(),
            _ => param.key.clone(),
        };
        let method = Ident::new(method, Span::call_site());
        statements.push(quote!(#(#cfgs)* #call_var.#method(#key, &#name);));
    }
    let output = output_type(paths, ep);
    let ret_span = match &ep.func.sig.output {
        syn::ReturnType::Default => ep.func.sig.ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    };
    bounds.push(quote_spanned!(ret_span=> #output: #client::Receive<#lifetime>,));
    let (method_ty, path) = (paths.method(), &ep.path);
    let method_const = Ident::new(&ep.method, Span::call_site());
    let start = quote! {
        let mut #call_var = #client::Call::new(#client_var, #method_ty::#method_const, #path);
        #(#statements)*
    };
    let vis = &ep.func.vis;
    let signature = |name: &str, returns: TokenStream| {
        let name = Ident::new(name, Span::call_site());
        quote! {
            #[allow(clippy::too_many_arguments, clippy::needless_pass_by_value, clippy::used_underscore_binding, unused_mut)]
            #vis fn #name<#lifetime>(#client_var: &#lifetime #client::Client, #(#args),*)
                -> #client::Pending<#returns>
            where
                #(#bounds)*
        }
    };
    let route = format!("`{} {}`", ep.method, ep.path);
    let fn_name = unraw(&ep.func.sig.ident);
    let answered = {
        let (return_kind, kind) = (paths.return_kind(), paths.kind());
        let ret = match &ep.func.sig.output {
            syn::ReturnType::Default => quote!(()),
            syn::ReturnType::Type(_, ty) => quote!(#ty),
        };
        let docs = format!(
            " Calls `{fn_name}` ({route}) on the service `client` points at, and returns its answer as `{fn_name}` returns it.\n\n See `qh::client` for what is sent and returned, and the errors."
        );
        // `impl Trait` cannot be named: it is answered as it is (what
        // `impl IntoResponse` is), read as the answer.
        let decoder = if ret.to_string().contains("impl ") {
            quote!(<#client::Answer as #client::Receive<'_>>::__qh_from_answer)
        } else {
            quote!(#kind::__qh_decoder(&#return_kind!(type #ret)))
        };
        let sig = signature("call", quote!(#output));
        quote! {
            #[doc = #docs]
            #sig
            {
                #start
                #call_var.answer(#decoder)
            }
        }
    };
    let submitted = |name: &str, ask: bool| {
        let docs = format!(
            " Submits `{fn_name}` ({route}) as a task on the service `client` points at: a handle to poll, wait for and cancel it.\n\n See `qh::client` for what is sent, and the errors."
        );
        let sig = signature(name, quote!(#client::TaskHandle<#output>));
        quote! {
            #[doc = #docs]
            #sig
            {
                #start
                #call_var.submit::<#output>(#ask)
            }
        }
    };
    let fns = match ep.task {
        None => answered,
        Some(Task::Always) => submitted("call", false),
        Some(Task::Optional) => {
            let submit = submitted("submit", true);
            quote!(#answered #submit)
        }
    };
    let item = paths.client_item();
    quote! {
        #item! {
            #(#aliases)*

            #[automatically_derived]
            impl #companion {
                #fns
            }
        }
    }
}

/// The `Call` method that sends a parameter, and the bound its type
/// meets; `None` for the parameters the server fills in.
fn sent(param: &Param<'_>) -> Option<(&'static str, &'static str)> {
    Some(match param.source {
        Source::Path => ("path", "UrlArg"),
        Source::Query => ("query", "UrlArg"),
        Source::QueryFlatten => ("query_flatten", "UrlArg"),
        Source::Header(_) => ("header", "HeaderArg"),
        Source::BodyField => ("field", "JsonArg"),
        Source::Body => ("body", "JsonArg"),
        Source::Extract | Source::RequestId(_) => return None,
    })
}

/// Whether every placeholder of the path is some parameter's.
fn placeholders_filled(ep: &Endpoint<'_>) -> bool {
    ep.placeholders.iter().all(|name| {
        ep.params
            .iter()
            .any(|p| p.pattern.is_none() && matches!(p.source, Source::Path) && &p.key == name)
    })
}

/// What `call` returns, read off the return type as written: its `Ok`
/// type, `()` for none, `String` for `&str`, and `Answer` for the types
/// that are answered as they are. The return type's kind decodes the
/// answer into it, and `Receive` (checked at the call) says whether it
/// can.
fn output_type(paths: &Paths, ep: &Endpoint<'_>) -> TokenStream {
    match &ep.func.sig.output {
        syn::ReturnType::Default => quote!(()),
        syn::ReturnType::Type(_, ty) => match result_args(ty) {
            Some((ok, _)) => decoded(paths, ok),
            None => decoded(paths, ty),
        },
    }
}

fn decoded(paths: &Paths, ty: &syn::Type) -> TokenStream {
    let client = paths.client();
    let answer = quote_spanned!(ty.span()=> #client::Answer);
    match ty {
        syn::Type::Paren(inner) => decoded(paths, &inner.elem),
        syn::Type::Group(inner) => decoded(paths, &inner.elem),
        syn::Type::ImplTrait(_) => answer,
        syn::Type::Reference(r) if is_str(&r.elem) => {
            quote_spanned!(ty.span()=> ::std::string::String)
        }
        syn::Type::Tuple(t) if t.elems.iter().any(passed_through) => answer,
        _ if passed_through(ty) => answer,
        _ => quote!(#ty),
    }
}

fn is_str(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident("str"))
}

fn passed_through(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Paren(inner) => passed_through(&inner.elem),
        syn::Type::Group(inner) => passed_through(&inner.elem),
        syn::Type::ImplTrait(_) => true,
        syn::Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .is_some_and(|s| PASSED_THROUGH.iter().any(|name| s.ident == name)),
        _ => false,
    }
}
