//! The extraction half of an endpoint's handler: the statements that read
//! each parameter from the request, in the order the request allows
//! (headers, query, ID and path from the parts; then extractors, which may
//! await; the body last, as reading it consumes the parts).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::endpoint::ast::{Endpoint, Source};
use crate::endpoint::fields::{field_set, FieldSet, MapSource};
use crate::endpoint::tokens::{arg, local, respan, typed_default};
use crate::paths::Paths;

/// What the handler needs to read the parameters.
pub(super) struct Extraction {
    /// Items beside the handler: the field sets' structs, the aliases
    /// bounded in place of `#[cfg]`'d extractor types.
    pub items: TokenStream,
    /// `let __qh_argN: T = …;` per parameter read before the body.
    pub statements: Vec<TokenStream>,
    /// How many of `statements` read only the tracking ID (not the
    /// request's parts).
    pub id_reads: usize,
    /// The JSON body's read started (a future of its bytes), when there is
    /// one: awaited as `__qh_bytes`.
    pub read_future: Option<TokenStream>,
    /// The reads of the body's parameters, after the body's.
    pub after_body: Vec<TokenStream>,
    /// The `Handler` impl's extra where-predicates (extractor types).
    pub bounds: Vec<TokenStream>,
    /// `Option<&HeaderName>`: the header the ID is read from, when a
    /// parameter names one.
    pub id_header: TokenStream,
}

/// What the handler waits for, decided here once: the handler's shape
/// (`expand.rs`) and how the reads before the body see the request
/// ([`Locals::by_ref`]) both follow it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Waits {
    /// Nothing: the call is answered at once.
    Nothing,
    /// Only the JSON body (a synchronous function, no extractor, no task):
    /// the runtime's `run_body` waits for it.
    BodyOnly,
    /// More than the body (the function itself, a task, an extractor): one
    /// boxed async block.
    More,
}

impl Waits {
    fn of(ep: &Endpoint<'_>) -> Self {
        let extractor = ep
            .params
            .iter()
            .any(|p| matches!(p.source, Source::Extract));
        if ep.is_async || ep.task.is_some() || extractor {
            Self::More
        } else if ep.has_body() {
            Self::BodyOnly
        } else {
            Self::Nothing
        }
    }
}

/// The generated locals the extraction and the handler share.
pub(super) struct Locals {
    pub parts: Ident,
    pub body: Ident,
    pub state: Ident,
    pub id: Ident,
    pub s: Ident,
    /// What the handler waits for.
    pub waits: Waits,
}

impl Locals {
    pub(super) fn new(ep: &Endpoint<'_>) -> Self {
        Self {
            waits: Waits::of(ep),
            parts: local("__qh_parts"),
            body: local("__qh_body"),
            state: local("__qh_state"),
            id: local("__qh_id"),
            s: local("__QhS"),
        }
    }

    /// Whether the reads before the body see `parts` and `state` as
    /// references (`run_body`'s closure) rather than as the handler's
    /// locals.
    pub(super) fn by_ref(&self) -> bool {
        self.waits == Waits::BodyOnly
    }
}

pub(super) fn extraction(paths: &Paths, ep: &Endpoint<'_>, locals: &Locals) -> Extraction {
    let body_set = field_set(paths, ep, MapSource::Body);
    let query_set = field_set(paths, ep, MapSource::Query);
    let path_set = field_set(paths, ep, MapSource::Path);
    let mut x = Extraction {
        items: [&body_set, &query_set, &path_set]
            .into_iter()
            .flatten()
            .map(|set| set.items.clone())
            .collect(),
        statements: Vec::new(),
        id_reads: 0,
        read_future: None,
        after_body: Vec::new(),
        bounds: Vec::new(),
        id_header: paths.none(),
    };
    part_reads(paths, ep, locals, &mut x);
    if let Some(set) = &query_set {
        let (query_fields, parts) = (paths.query_fields(), &locals.parts);
        let read = quote!(#query_fields(#parts.uri.query()));
        set_reads(paths, ep, set, "__qh_query", read, &mut x.statements);
    }
    if let Some(set) = &path_set {
        let (parts, state) = (&locals.parts, &locals.state);
        let (path_params, path_fields) = (paths.path_params(), paths.path_fields());
        let into_response = paths.into_response();
        let raw = local("__qh_raw_path");
        let args = if locals.by_ref() {
            quote!(#parts, #state)
        } else {
            quote!(&mut #parts, &#state)
        };
        x.statements.push(quote! {
            let #raw = #path_params(#args).map_err(#into_response::into_response)?;
        });
        set_reads(
            paths,
            ep,
            set,
            "__qh_path",
            quote!(#path_fields(#raw.iter())),
            &mut x.statements,
        );
    }
    extractors(paths, ep, locals, &mut x);
    body(paths, ep, locals, body_set.as_ref(), &mut x);
    x
}

/// Headers, the tracking ID and a flattened query: plain reads of the parts.
fn part_reads(paths: &Paths, ep: &Endpoint<'_>, locals: &Locals, x: &mut Extraction) {
    let into_response = paths.into_response();
    let (parts, id) = (&locals.parts, &locals.id);
    for (index, param) in ep.params.iter().enumerate() {
        let (ty, cfgs, arg) = (param.ty, &param.cfgs, arg(index));
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
                x.statements.push(quote!(#(#cfgs)* let #arg: #ty = #read;));
            }
            Source::RequestId(header) => {
                if let Some(header) = header {
                    x.id_header = id_header(paths, header, cfgs);
                }
                // The trait method itself, spanned at the type: a type that
                // cannot be an ID is reported there, with no note pointing
                // into qh.
                let from_request_id = paths.from_request_id();
                let read = quote_spanned!(ty.span()=> <#ty as #from_request_id>::from_request_id);
                x.statements
                    .push(quote!(#(#cfgs)* let #arg: #ty = #read(&#id);));
                x.id_reads += 1;
            }
            Source::QueryFlatten => {
                let query_struct = paths.query_struct();
                let read = quote_spanned!(ty.span()=> #query_struct::<#ty>);
                x.statements.push(quote! {
                    #(#cfgs)*
                    let #arg: #ty = #read(#parts.uri.query()).map_err(#into_response::into_response)?;
                });
            }
            _ => {}
        }
    }
}

/// `Some(&HeaderName)` for `#[header("X-Foo")] request_id`.
fn id_header(paths: &Paths, header: &str, cfgs: &[&syn::Attribute]) -> TokenStream {
    let (option, some, none) = (paths.option(), paths.some(), paths.none());
    let header_name = paths.header_name();
    if cfgs.is_empty() {
        quote!(#some(&const { #header_name::from_static(#header) }))
    } else {
        // Under the parameter's `#[cfg]`s: a parameter configured away does
        // not choose the header either.
        quote!({
            #[allow(unused_variables)]
            let __qh_id_header: #option<#header_name> = #none;
            #(#cfgs)*
            let __qh_id_header = #some(#header_name::from_static(#header));
            __qh_id_header
        }
        .as_ref())
    }
}

/// Pushes onto `out` the read of one field set (`read` yields it as a
/// `Result`), then the take of each of its parameters.
fn set_reads(
    paths: &Paths,
    ep: &Endpoint<'_>,
    set: &FieldSet,
    local_name: &str,
    read: TokenStream,
    out: &mut Vec<TokenStream>,
) {
    let (ident, fields) = (&set.ident, local(local_name));
    let into_response = paths.into_response();
    out.push(quote!(let #fields: #ident = #read.map_err(#into_response::into_response)?;));
    out.extend(set.takes(paths, ep, &fields));
}

/// `#[extract]` parameters: any `FromRequestParts` of the router's state.
fn extractors(paths: &Paths, ep: &Endpoint<'_>, locals: &Locals, x: &mut Extraction) {
    let (from_request_parts, into_response) = (paths.from_request_parts(), paths.into_response());
    let (ok, err, rejection) = (paths.ok(), paths.err(), paths.rejection());
    let (parts, state, s) = (&locals.parts, &locals.state, &locals.s);
    let mut aliases = Vec::new();
    for (index, param) in ep.params.iter().enumerate() {
        if !matches!(param.source, Source::Extract) {
            continue;
        }
        let (ty, cfgs, arg) = (param.ty, &param.cfgs, arg(index));
        let extract_param = respan(paths.extract_param(), ty.span());
        if cfgs.is_empty() {
            x.bounds
                .push(quote_spanned!(ty.span()=> #ty: #extract_param<#s>,));
        } else {
            // A where-predicate cannot carry `#[cfg]`, and the type may
            // exist only where the parameter does: bound an alias that is
            // the type there and `()` (an extractor of every state)
            // elsewhere.
            let alias = format_ident!("__QhExtract{}", aliases.len());
            let preds = cfgs.iter().filter_map(|attr| match &attr.meta {
                syn::Meta::List(list) => Some(&list.tokens),
                _ => None,
            });
            aliases.push(quote! {
                #(#cfgs)*
                type #alias = #ty;
                #[cfg(not(all(#(#preds),*)))]
                type #alias = ();
            });
            x.bounds
                .push(quote_spanned!(ty.span()=> #alias: #extract_param<#s>,));
        }
        x.statements.push(quote! {
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
    x.items.extend(aliases);
}

/// The JSON body: its fields, or the whole of it.
fn body(
    paths: &Paths,
    ep: &Endpoint<'_>,
    locals: &Locals,
    body_set: Option<&FieldSet>,
    x: &mut Extraction,
) {
    let (parts, body) = (&locals.parts, &locals.body);
    if !ep.has_body() {
        // The body is not read: dropped here, in the request's scope (a
        // `let _ =` would leave it uncaptured, dropped after the call).
        x.statements.push(quote!(::core::mem::drop(#body);));
        return;
    }
    let into_response = paths.into_response();
    let (bytes, read_body) = (local("__qh_bytes"), paths.read_body());
    x.read_future = Some(quote!(#read_body(#parts, #body)));
    if let Some(set) = body_set {
        let body_fields = paths.body_fields();
        let read = quote!(#body_fields(#bytes.as_deref()));
        set_reads(paths, ep, set, "__qh_fields", read, &mut x.after_body);
    }
    for (index, param) in ep.params.iter().enumerate() {
        if let Source::Body = param.source {
            let (ty, cfgs, arg) = (param.ty, &param.cfgs, arg(index));
            let whole_body = paths.whole_body();
            let read = quote_spanned!(ty.span()=> <#ty as #whole_body>::__qh_whole_body);
            x.after_body.push(quote! {
                #(#cfgs)*
                let #arg: #ty = #read(#bytes.as_deref()).map_err(#into_response::into_response)?;
            });
        }
    }
}
