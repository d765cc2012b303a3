//! The endpoint's part of the OpenAPI document: a `Describe` impl on the
//! companion that records each parameter by source, the body, the answer
//! and the doc comment. Emitted always, inside the runtime's
//! `openapi_item!`, which drops it unread without the feature `openapi`.
//! Every type is named through `<T as Schema>` spanned at the user's type,
//! so a type without a schema is reported there.

use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::endpoint::args::Task;
use crate::endpoint::ast::{Endpoint, Param, Source};
use crate::endpoint::expand_returns::result_args;
use crate::endpoint::tokens::{local, typed_default};
use crate::paths::Paths;

pub(super) fn describe(paths: &Paths, ep: &Endpoint<'_>, companion: &Ident) -> TokenStream {
    let op = local("__qh_op");
    let private = paths.openapi();
    let docs = doc_comment(ep);
    let params = ep
        .params
        .iter()
        .map(|param| describe_param(paths, param, &op));
    let task = match ep.task {
        None => quote!(),
        Some(Task::Always) => quote!(#op.task(false);),
        Some(Task::Optional) => quote!(#op.task(true);),
    };
    let returns = describe_return(paths, ep, &op);
    let errors = &ep.errors;
    let errors = (!errors.is_empty()).then(|| quote!(#op.errors(&[#(#errors),*]);));
    let item = paths.openapi_item();
    quote! {
        #item! {
            #[automatically_derived]
            impl #private::Describe for #companion {
                #[allow(unused_variables, clippy::all, clippy::pedantic)]
                fn describe(#op: &mut #private::Operation) {
                    #op.about(::core::module_path!(), #docs);
                    #(#params)*
                    #task
                    #errors
                    #returns
                }
            }
        }
    }
}

/// The doc comment's lines, one leading space each removed.
fn doc_comment(ep: &Endpoint<'_>) -> String {
    let mut lines = Vec::new();
    for attr in &ep.func.attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                let value = s.value();
                lines.push(value.strip_prefix(' ').unwrap_or(&value).to_owned());
            }
        }
    }
    lines.join("\n")
}

/// A type as the user wrote it, spaced as rustfmt would.
fn type_text(ty: &syn::Type) -> String {
    let mut text = ty.to_token_stream().to_string();
    for (from, to) in [
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" :: ", "::"),
        (":: ", "::"),
        (" ,", ","),
        ("& ", "&"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
    ] {
        text = text.replace(from, to);
    }
    text
}

/// `Some(Some(json))` / `Some(None)` for a parameter with a default (its
/// value as JSON when the type is `Serialize`), `None` without.
fn default_json(paths: &Paths, param: &Param<'_>) -> TokenStream {
    let Some(default) = param.default() else {
        return quote!(::core::option::Option::None);
    };
    let private = paths.openapi();
    let value = typed_default(param.ty, default);
    quote! {
        ::core::option::Option::Some({
            #[allow(unused_imports)]
            use #private::DefaultSerialize as _;
            #[allow(unused_imports)]
            use #private::DefaultOpaque as _;
            let __qh_value = #value;
            (&&&#private::DefaultJson(&__qh_value)).__qh_json()
        })
    }
}

fn describe_param(paths: &Paths, param: &Param<'_>, op: &Ident) -> TokenStream {
    let (ty, key, cfgs) = (param.ty, &param.key, &param.cfgs);
    let text = type_text(ty);
    let private = paths.openapi();
    // Where the schemas a type refers to are collected.
    let components = quote!(#op.components());
    let schema = quote_spanned!(ty.span()=> <#ty as #private::Schema>::__qh_schema(#components));
    let call = match &param.source {
        Source::Path => quote! {
            let __qh_schema = #schema;
            #op.path(#key, #text, __qh_schema);
        },
        Source::Query => {
            let absent = paths.url_field();
            let absent = quote_spanned!(ty.span()=> <#ty as #absent>::__qh_absent);
            let default = default_json(paths, param);
            quote! {
                let __qh_schema = #schema;
                #op.query(#key, #text, __qh_schema, #absent, #default);
            }
        }
        Source::Header(name) if !name.is_empty() => {
            let read = paths.header_param();
            let read = quote_spanned!(ty.span()=> <#ty as #read>::__qh_header);
            let default = default_json(paths, param);
            // A header is text on the wire, and every `FromHeader` type
            // reads from it: its schema when it has one, else a string
            // (`HeaderValue` cannot be given utoipa's trait).
            quote! {
                let __qh_schema = {
                    #[allow(unused_imports)]
                    use #private::MaybeSchemaSome as _;
                    #[allow(unused_imports)]
                    use #private::MaybeSchemaNone as _;
                    (&&&#private::MaybeSchema::<#ty>::new()).__qh_maybe(#components)
                };
                #op.header(#name, #key, #text, __qh_schema, #read, #default);
            }
        }
        Source::QueryFlatten => quote! {
            let __qh_schema = #schema;
            #op.query_flatten(#key, #text, __qh_schema);
        },
        Source::BodyField => {
            let absent = paths.body_field();
            let absent = quote_spanned!(ty.span()=> <#ty as #absent>::__qh_absent);
            let default = default_json(paths, param);
            quote! {
                let __qh_schema = #schema;
                #op.body_field(#key, #text, __qh_schema, #absent, #default);
            }
        }
        Source::Body => quote! {
            let __qh_schema = #schema;
            #op.body(#key, #text, __qh_schema);
        },
        Source::RequestId(Some(header)) if !header.is_empty() => {
            quote!(#op.request_id(::core::option::Option::Some(#header));)
        }
        Source::RequestId(_) | Source::Extract | Source::Header(_) => return quote!(),
    };
    quote!(#(#cfgs)* { #call })
}

/// The answer: as the return type's kind documents it (the one
/// classification the answer follows too), its schema checked at the type
/// it comes from (`T` of `Result<T, E>`, else the whole type). A type
/// written with `impl Trait` cannot be named: it answers through
/// `IntoResponse`, no schema.
fn describe_return(paths: &Paths, ep: &Endpoint<'_>, op: &Ident) -> TokenStream {
    let private = paths.openapi();
    let components = quote!(#op.components());
    let (ty, text): (TokenStream, String) = match &ep.func.sig.output {
        syn::ReturnType::Default => (quote!(()), "()".to_owned()),
        syn::ReturnType::Type(_, ty) => (ty.to_token_stream(), type_text(ty)),
    };
    let (span, opaque) = match &ep.func.sig.output {
        syn::ReturnType::Default => (ep.func.sig.ident.span(), false),
        syn::ReturnType::Type(_, ty) => {
            let span = result_args(ty).map_or_else(|| ty.span(), |(ok, _)| ok.span());
            (span, ty.to_token_stream().to_string().contains("impl "))
        }
    };
    if opaque || ep.task == Some(Task::Always) {
        // A task's answer is its 202; `impl Trait` cannot be named.
        return quote! {
            let __qh_schema = <() as #private::Schema>::__qh_schema(#components);
            #op.returns(#text, #private::Shape::Any, __qh_schema);
        };
    }
    let tuple = match &ep.func.sig.output {
        syn::ReturnType::Type(_, ty) => match &**ty {
            syn::Type::Tuple(t) if !t.elems.is_empty() => Some(t),
            _ => None,
        },
        syn::ReturnType::Default => None,
    };
    let schema = match tuple {
        // A tuple (`(u32, u32)`, `(StatusCode, Json<T>)`): its elements
        // where they have schemas, never an error.
        Some(tuple) => {
            let items = tuple.elems.iter().map(
                |elem| quote!((&&&#private::MaybeSchema::<#elem>::new()).__qh_maybe(#components)),
            );
            quote! {{
                #[allow(unused_imports)]
                use #private::MaybeSchemaSome as _;
                #[allow(unused_imports)]
                use #private::MaybeSchemaNone as _;
                #private::tuple(::std::vec![#(#items),*])
            }}
        }
        None => {
            quote_spanned! {span=>
                <_ as #private::Schema>::__qh_schema_of(__qh_found.0, #components)
            }
        }
    };
    let (return_kind, kind) = (paths.return_kind(), paths.kind());
    quote! {
        let __qh_kind = #return_kind!(type #ty);
        let __qh_found = #kind::__qh_document(&__qh_kind);
        let __qh_schema = #schema;
        #op.returns(#text, __qh_found.1, __qh_schema);
        // What the error type answers: `qh::Error` problems of any status.
        #op.failure({
            #[allow(unused_imports)]
            use #private::{NoFailure as _, OtherFailure as _, ProblemFailure as _};
            (&&&#private::ErrorType::of(#kind::__qh_error(&__qh_kind))).__qh_failure()
        });
    }
}
