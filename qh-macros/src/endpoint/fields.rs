//! The generated structs that hold the parameters of one map-shaped source
//! (the JSON body, the query string, the path), read in one pass.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::endpoint::ast::{Endpoint, Param, Source};
use crate::endpoint::tokens::{arg, typed_default};
use crate::paths::Paths;

/// A generated struct holding the parameters of one map-shaped source.
pub(super) struct FieldSet {
    pub(super) ident: Ident,
    pub(super) items: TokenStream,
    /// `(parameter index, field name in the struct)`
    members: Vec<(usize, Ident)>,
    source: MapSource,
}

/// The map-shaped sources, each read into one generated struct.
#[derive(Clone, Copy)]
pub(super) enum MapSource {
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
    fn field_trait(self, paths: &Paths) -> TokenStream {
        match self {
            Self::Body => paths.body_field(),
            Self::Query | Self::Path => paths.url_field(),
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
    /// `let __qh_argN: T = take(fields.fN, "key")?;` per member, or the
    /// default when the value is absent.
    pub(super) fn takes(
        &self,
        paths: &Paths,
        ep: &Endpoint<'_>,
        fields: &Ident,
    ) -> Vec<TokenStream> {
        // Trait methods, not free functions with bounds: an unsupported
        // type is then reported once, at the type, with the trait's message.
        let (trait_, take_fn) = (self.source.field_trait(paths), self.source.take_fn());
        let into_response = paths.into_response();
        self.members
            .iter()
            .map(|(index, member)| {
                let param: &Param<'_> = &ep.params[*index];
                let (ty, key, cfgs) = (param.ty, &param.key, &param.cfgs);
                let arg = arg(*index);
                let value = match param.default() {
                    Some(default) => {
                        let (some, none) = (paths.some(), paths.none());
                        let default = typed_default(ty, default);
                        quote! {
                            match #fields.#member {
                                #some(value) => value,
                                #none => #default,
                            }
                        }
                    }
                    None => {
                        let take = quote_spanned!(ty.span()=> <#ty as #trait_>::#take_fn);
                        quote!(#take(#fields.#member, #key).map_err(#into_response::into_response)?)
                    }
                };
                quote!(#(#cfgs)* let #arg: #ty = #value;)
            })
            .collect()
    }
}

pub(super) fn field_set(paths: &Paths, ep: &Endpoint<'_>, source: MapSource) -> Option<FieldSet> {
    let trait_ = source.field_trait(paths);
    let params: Vec<(usize, &Param<'_>)> = ep
        .params
        .iter()
        .enumerate()
        .filter(|(_, param)| source.holds(&param.source))
        .collect();
    if params.is_empty() {
        return None;
    }
    let members: Vec<(usize, Ident)> = params
        .iter()
        .map(|(i, _)| (*i, format_ident!("f{}", i)))
        .collect();
    let ident = Ident::new(source.struct_name(), Span::mixed_site());
    let (option, some, none, ok, result) = (
        paths.option(),
        paths.some(),
        paths.none(),
        paths.ok(),
        paths.result(),
    );
    let (fields_trait, field_index, serde, default) = (
        paths.fields(),
        paths.field_index(),
        paths.serde(),
        paths.default(),
    );
    let mut decls = Vec::new();
    let mut inits = Vec::new();
    let mut names = Vec::new();
    let mut sets = Vec::new();
    for ((_, param), (_, field)) in params.iter().zip(&members) {
        let (ty, key, cfgs) = (param.ty, &param.key, &param.cfgs);
        decls.push(quote!(#(#cfgs)* #field: #option<#ty>,));
        inits.push(quote!(#(#cfgs)* #field: #none,));
        names.push(quote!(#(#cfgs)* #key));
        let read = quote_spanned!(ty.span()=> <#ty as #trait_>::__qh_next::<A>);
        let store = if matches!(source, MapSource::Query) {
            // A repeated key: collections (by their real type) take every
            // value, other types refuse the second.
            let (repeat, levels) = (
                paths.repeat(),
                [
                    paths.repeat_option(),
                    paths.repeat_collection(),
                    paths.repeat_none(),
                ],
            );
            quote! {
                let value: #ty = #read(map)?;
                match &mut self.#field {
                    #some(seen) => {
                        #(
                            #[allow(unused_imports)]
                            use #levels as _;
                        )*
                        if !(&&&#repeat::new(seen, value)).__qh_merge() {
                            return #ok(false);
                        }
                    }
                    #none => self.#field = #some(value),
                }
            }
        } else {
            quote! {
                if self.#field.is_some() {
                    return #ok(false);
                }
                self.#field = #some(#read(map)?);
            }
        };
        // The index is looked up by name at compile time, so that a
        // parameter removed by `#[cfg]` shifts nothing.
        sets.push(quote! {
            #(#cfgs)*
            if index == const { #field_index(<Self as #fields_trait>::NAMES, #key) } {
                #store
                return #ok(true);
            }
        });
    }
    let items = quote! {
        struct #ident {
            #(#decls)*
        }

        #[automatically_derived]
        impl #default for #ident {
            fn default() -> Self {
                Self { #(#inits)* }
            }
        }

        #[automatically_derived]
        impl #fields_trait for #ident {
            const NAMES: &'static [&'static str] = &[#(#names),*];

            fn set<'de, A: #serde::de::MapAccess<'de>>(
                &mut self,
                index: usize,
                map: &mut A,
            ) -> #result<bool, A::Error> {
                #(#sets)*
                #ok(true)
            }
        }
    };
    Some(FieldSet {
        ident,
        items,
        members,
        source,
    })
}
