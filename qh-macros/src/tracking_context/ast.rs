//! The derive's input as a model, keeping references to the original tokens
//! so that later stages can point at them.

use proc_macro2::TokenStream;
use syn::{DeriveInput, Ident, Type};

use super::attr;
use crate::ctxt::Ctxt;
use crate::unraw;

pub struct Input<'a> {
    pub original: &'a DeriveInput,
    pub container: attr::Container,
    pub data: Data<'a>,
}

pub enum Data<'a> {
    /// A struct with named fields: the only supported shape.
    Struct(Vec<Field<'a>>),
    /// Anything else; `valid` reports it.
    Other,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub attrs: attr::Field<'a>,
}

/// Where a field's value comes from.
pub enum Source {
    /// The request's tracking ID; `header` is the header it is read from and
    /// written to when the field names one (`#[header("X-Corr")] request_id`).
    RequestId { header: Option<String> },
    /// A header, by its lowercased name.
    Header(String),
    /// Nothing: an unmarked field, or a header name that is invalid. Only
    /// reaches `expand` if `valid` missed it.
    None,
}

impl<'a> Input<'a> {
    pub fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Self {
        let container = attr::Container::from_ast(cx, &input.attrs);
        let data = match &input.data {
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Named(named),
                ..
            }) => Data::Struct(
                named
                    .named
                    .iter()
                    .filter_map(|field| {
                        Some(Field {
                            ident: field.ident.as_ref()?,
                            ty: &field.ty,
                            attrs: attr::Field::from_ast(cx, &field.attrs),
                        })
                    })
                    .collect(),
            ),
            _ => Data::Other,
        };
        Self {
            original: input,
            container,
            data,
        }
    }

    pub fn fields(&self) -> &[Field<'a>] {
        match &self.data {
            Data::Struct(fields) => fields,
            Data::Other => &[],
        }
    }
}

impl Field<'_> {
    /// A field named `request_id` receives the ID without a marker.
    pub fn is_named_request_id(&self) -> bool {
        unraw(self.ident) == "request_id"
    }

    pub fn is_request_id(&self) -> bool {
        self.attrs.request_id.is_some() || self.is_named_request_id()
    }

    /// The header this field reads, lowercased, with the tokens that name
    /// it; `None` without a (valid) `#[header]`.
    pub fn header_name(&self) -> Option<(String, TokenStream)> {
        let (_, header) = self.attrs.header.as_ref()?;
        header
            .lower(self.ident)
            .map(|name| (name, header.name_tokens()))
    }

    /// The `max_len = n` of the field's `#[header]`.
    pub fn max_len(&self) -> Option<usize> {
        let (_, header) = self.attrs.header.as_ref()?;
        header.context.max_len.as_ref().map(|(_, max)| *max)
    }

    /// Whether the field's `#[header]` says `forward_untrusted`.
    pub fn forward_untrusted(&self) -> bool {
        self.attrs
            .header
            .as_ref()
            .is_some_and(|(_, header)| header.context.forward_untrusted.is_some())
    }

    pub fn source(&self) -> Source {
        let header = self.header_name().map(|(name, _)| name);
        if self.is_request_id() {
            Source::RequestId { header }
        } else {
            header.map_or(Source::None, Source::Header)
        }
    }
}
