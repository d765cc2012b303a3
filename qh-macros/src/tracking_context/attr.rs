//! The derive's attributes, parsed with plain syn: `#[qh(…)]` on the struct,
//! `#[header]` and `#[request_id]` on fields.

use syn::{Attribute, LitStr};

use crate::ctxt::Ctxt;
use crate::headers::{self, Header};

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
                let header = headers::parse_context_header(cx, attr);
                if let Some(default) = &header.default {
                    // #[header("X-Page", default = 1)] page: u32
                    cx.error_spanned_by(
                        default,
                        "`default` is not supported in a `TrackingContext`: use an `Option<T>` field",
                    );
                }
                if out.header.is_some() {
                    // #[header("A")] #[header("B")] x: String
                    cx.error_spanned_by(
                        attr,
                        "duplicate `#[header]` attribute: a field is read from one header",
                    );
                    continue;
                }
                out.header = Some((index, header));
            } else if attr.path().is_ident("request_id") {
                // #[request_id] id: qh::RequestId
                headers::parse_request_id(cx, attr);
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

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}
