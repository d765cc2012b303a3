//! The derive's attributes, parsed with plain syn: `#[qh(…)]` on the struct,
//! `#[header]` and `#[request_id]` on fields.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Attribute, LitStr, Meta};

use crate::ctxt::Ctxt;
use crate::headers;

/// Struct-level options.
#[derive(Default)]
pub struct Container {
    /// `#[qh(crate = "path")]`: where the runtime is.
    pub krate: Option<syn::Path>,
}

impl Container {
    pub fn from_ast(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = Self::default();
        for attr in attrs {
            if attr.path().is_ident("qh") {
                out.parse_qh(cx, attr);
            } else if attr.path().is_ident("header") || attr.path().is_ident("request_id") {
                // #[header("X")] struct S { … }
                cx.error_spanned_by(
                    attr,
                    format!(
                        "`#[{}]` goes on a field, not on the struct",
                        attr.path()
                            .get_ident()
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    ),
                );
            }
        }
        out
    }

    fn parse_qh(&mut self, cx: &Ctxt, attr: &Attribute) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                // #[qh(crate = "my_qh")]
                let lit: LitStr = meta.value()?.parse()?;
                let path = lit.parse::<syn::Path>().map_err(|_| {
                    syn::Error::new(
                        lit.span(),
                        format!(
                            "`{}` is not a path: expected something like `crate = \"my_qh\"`",
                            lit.value()
                        ),
                    )
                })?;
                if self.krate.is_some() {
                    return Err(meta.error("duplicate option `crate`"));
                }
                self.krate = Some(path);
                Ok(())
            } else {
                // #[qh(unknown)]
                let name = meta
                    .path
                    .get_ident()
                    .map_or_else(|| path_text(&meta.path), ToString::to_string);
                Err(meta.error(format!(
                    "unknown option `{name}` in `#[qh(…)]`: the valid option is `crate`"
                )))
            }
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
}

/// How a `#[header]` names its header.
pub enum HeaderName {
    /// `#[header]`: from the field's identifier.
    FromIdent,
    /// `#[header("X-Tenant")]` or `#[header(name = "X-Tenant")]`, valid;
    /// `lower` is the lowercased form `HeaderName::from_static` needs.
    Explicit { lit: LitStr, lower: String },
    /// An explicit name already reported as invalid.
    Invalid,
}

pub struct Header<'a> {
    pub attr: &'a Attribute,
    pub name: HeaderName,
}

/// A field's attributes, with their position among its attributes so that
/// conflicts are reported on the later one.
#[derive(Default)]
pub struct Field<'a> {
    pub header: Option<(usize, Header<'a>)>,
    pub request_id: Option<(usize, &'a Attribute)>,
}

impl<'a> Field<'a> {
    pub fn from_ast(cx: &Ctxt, attrs: &'a [Attribute]) -> Self {
        let mut out = Self::default();
        for (index, attr) in attrs.iter().enumerate() {
            if attr.path().is_ident("header") {
                let name = parse_header(cx, attr);
                if out.header.is_some() {
                    // #[header("A")] #[header("B")] x: String
                    cx.error_spanned_by(
                        attr,
                        "duplicate `#[header]` attribute: a field is read from one header",
                    );
                    continue;
                }
                out.header = Some((index, Header { attr, name }));
            } else if attr.path().is_ident("request_id") {
                // #[request_id] id: qh::RequestId
                if let Meta::List(list) = &attr.meta {
                    cx.error_at(
                        list.delimiter.span().join(),
                        "`#[request_id]` takes no arguments",
                    );
                } else if let Meta::NameValue(nv) = &attr.meta {
                    cx.error_spanned_by(&nv.value, "`#[request_id]` takes no value");
                }
                if out.request_id.is_some() {
                    cx.error_spanned_by(attr, "duplicate `#[request_id]` attribute");
                    continue;
                }
                out.request_id = Some((index, attr));
            } else if attr.path().is_ident("qh") {
                // #[qh(crate = "…")] on a field
                cx.error_spanned_by(attr, "`#[qh(…)]` goes on the struct, not on a field");
            }
        }
        out
    }
}

/// Parses one `#[header…]`; `Invalid` when it is malformed (reported).
fn parse_header(cx: &Ctxt, attr: &Attribute) -> HeaderName {
    match &attr.meta {
        // #[header]
        Meta::Path(_) => HeaderName::FromIdent,
        // #[header = "X-Tenant"]
        Meta::NameValue(nv) => {
            cx.error_spanned_by(
                nv,
                "expected `#[header(\"Name\")]` or `#[header(name = \"Name\")]`, found `#[header = …]`",
            );
            HeaderName::Invalid
        }
        // #[header("X-Tenant")], #[header(name = "X-Tenant")]
        Meta::List(_) => match attr.parse_args_with(headers::parse_args) {
            Ok(None) => HeaderName::FromIdent,
            Ok(Some(lit)) => match headers::check(&lit.value()) {
                Ok(lower) => HeaderName::Explicit { lit, lower },
                Err(why) => {
                    cx.error_spanned_by(&lit, why);
                    HeaderName::Invalid
                }
            },
            Err(e) => {
                cx.syn_error(e);
                HeaderName::Invalid
            }
        },
    }
}

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// The tokens that name a field's header, for errors: the literal, or the
/// bare attribute.
pub fn header_tokens(header: &Header) -> TokenStream {
    match &header.name {
        HeaderName::Explicit { lit, .. } => lit.to_token_stream(),
        HeaderName::FromIdent | HeaderName::Invalid => header.attr.to_token_stream(),
    }
}
