//! The `#[header]` and `#[request_id]` attributes, one model for both macros:
//! parsing, the header-name checks, and the names taken from identifiers.

use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Attribute, LitStr, Meta, Token};

use crate::ctxt::Ctxt;
use crate::unraw;

/// The characters RFC 9110 allows in a header name besides letters and digits.
const TCHAR_PUNCTUATION: &str = "!#$%&'*+-.^_`|~";

/// The longest header name `http` accepts.
const MAX_NAME_LEN: usize = 65_535;

/// Checks that `name` is a valid header name; returns it lowercased (the form
/// `HeaderName::from_static` needs) or a message in rustc's voice.
pub fn check(name: &str) -> Result<String, String> {
    if name.is_empty() {
        return Err("header name cannot be empty".to_owned());
    }
    // `http::HeaderName`'s limit: `from_static` would fail at build time.
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "header name too long: {} bytes, at most {MAX_NAME_LEN}",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || TCHAR_PUNCTUATION.contains(*c)))
    {
        let why = match c {
            ' ' => "header names cannot contain spaces".to_owned(),
            c if c.is_ascii_control() => {
                "header names cannot contain control characters".to_owned()
            }
            c if !c.is_ascii() => format!("header names must be ASCII, found `{c}`"),
            c => format!("`{c}` is not allowed; use letters, digits and `{TCHAR_PUNCTUATION}`"),
        };
        return Err(format!(
            "invalid header name `{}`: {why}",
            name.escape_debug()
        ));
    }
    Ok(name.to_ascii_lowercase())
}

/// The header a bare `#[header]` reads: `x_user_id` → `x-user-id`.
pub fn from_ident(ident: &syn::Ident) -> String {
    unraw(ident).replace('_', "-").to_ascii_lowercase()
}

/// How a `#[header]` names its header.
pub enum HeaderName {
    /// `#[header]`: from the identifier.
    FromIdent,
    /// `#[header("X-Tenant")]` or `#[header(name = "X-Tenant")]`, valid;
    /// `lower` is the lowercased form `HeaderName::from_static` needs.
    Explicit { lit: LitStr, lower: String },
    /// A name already reported as invalid.
    Invalid,
}

/// One parsed `#[header…]` attribute.
pub struct Header<'a> {
    pub attr: &'a Attribute,
    pub name: HeaderName,
    /// `#[header("X-Page", default = 1)]`: the value of an absent header.
    pub default: Option<syn::Expr>,
    /// What only a `TrackingContext` field takes.
    pub context: ContextOptions,
}

/// The options of a `#[derive(TrackingContext)]` field's `#[header]`.
#[derive(Default)]
pub struct ContextOptions {
    /// `max_len = 512`: the longest value accepted, with its literal.
    pub max_len: Option<(syn::LitInt, usize)>,
    /// `forward_untrusted`: sent on outbound calls even when the peer that
    /// sent it is not trusted.
    pub forward_untrusted: Option<syn::Ident>,
}

/// Which macro reads the attribute: they take different options.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    Endpoint,
    TrackingContext,
}

impl Reader {
    fn valid_options(self) -> &'static str {
        match self {
            Self::Endpoint => "the valid options are `name` and `default`",
            Self::TrackingContext => {
                "the valid options are `name`, `max_len` and `forward_untrusted`"
            }
        }
    }
}

impl Header<'_> {
    /// The lowercased header name for the item named `ident`, `None` when
    /// the name is invalid (already reported for explicit names).
    pub fn lower(&self, ident: &syn::Ident) -> Option<String> {
        match &self.name {
            HeaderName::Explicit { lower, .. } => Some(lower.clone()),
            HeaderName::FromIdent => check(&from_ident(ident)).ok(),
            HeaderName::Invalid => None,
        }
    }

    /// The tokens that name the header, for errors: the literal, or the
    /// whole attribute.
    pub fn name_tokens(&self) -> proc_macro2::TokenStream {
        match &self.name {
            HeaderName::Explicit { lit, .. } => quote::ToTokens::to_token_stream(lit),
            HeaderName::FromIdent | HeaderName::Invalid => {
                quote::ToTokens::to_token_stream(self.attr)
            }
        }
    }
}

/// Parses one `#[header…]` of an endpoint parameter; malformed ones are
/// reported and come back `Invalid`.
pub fn parse_header<'a>(cx: &Ctxt, attr: &'a Attribute) -> Header<'a> {
    parse_header_for(cx, attr, Reader::Endpoint)
}

/// [`parse_header`] for a `#[derive(TrackingContext)]` field, which also
/// takes `max_len` and `forward_untrusted`.
pub fn parse_context_header<'a>(cx: &Ctxt, attr: &'a Attribute) -> Header<'a> {
    parse_header_for(cx, attr, Reader::TrackingContext)
}

fn parse_header_for<'a>(cx: &Ctxt, attr: &'a Attribute, reader: Reader) -> Header<'a> {
    let (name, args) = match &attr.meta {
        // #[header]
        Meta::Path(_) => (HeaderName::FromIdent, Args::default()),
        // #[header = "X-Tenant"]
        Meta::NameValue(nv) => {
            cx.error_spanned_by(
                nv,
                "expected `#[header(\"Name\")]` or `#[header(name = \"Name\")]`, found `#[header = …]`",
            );
            (HeaderName::Invalid, Args::default())
        }
        // #[header("X-Tenant")], #[header(name = "X-Tenant", default = …)]
        Meta::List(_) => {
            match attr.parse_args_with(|input: ParseStream<'_>| parse_args(input, reader)) {
                Ok(mut args) => match args.lit.take() {
                    None => (HeaderName::FromIdent, args),
                    Some(lit) => match check(&lit.value()) {
                        Ok(lower) => (HeaderName::Explicit { lit, lower }, args),
                        Err(why) => {
                            cx.error_spanned_by(&lit, why);
                            (HeaderName::Invalid, args)
                        }
                    },
                },
                Err(e) => {
                    cx.syn_error(e);
                    (HeaderName::Invalid, Args::default())
                }
            }
        }
    };
    Header {
        attr,
        name,
        default: args.default,
        context: args.context,
    }
}

/// What `#[header(…)]` holds.
#[derive(Default)]
struct Args {
    lit: Option<LitStr>,
    default: Option<syn::Expr>,
    context: ContextOptions,
}

const NAME_HINT: &str = "expected a string literal header name, like `#[header(\"X-Tenant\")]`";

/// The inside of `#[header(…)]`: nothing (the name comes from the
/// identifier), a string or `name = "…"`, then optionally `default = expr`
/// (and, in a `TrackingContext`, `max_len = n` and `forward_untrusted`).
fn parse_args(input: ParseStream<'_>, reader: Reader) -> syn::Result<Args> {
    let mut lit = None;
    let mut default = None;
    let mut context = ContextOptions::default();
    let in_context = reader == Reader::TrackingContext;
    if input.peek(LitStr) {
        // #[header("X-Tenant")]
        lit = Some(input.parse::<LitStr>()?);
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    } else if input.peek(syn::Lit) {
        // #[header(5)]
        let other: syn::Lit = input.parse()?;
        return Err(syn::Error::new(other.span(), NAME_HINT));
    }
    while !input.is_empty() {
        // Keywords too, so that `#[header(type = …)]` is an unknown option.
        let key = input
            .call(syn::Ident::parse_any)
            .map_err(|_| syn::Error::new(input.span(), NAME_HINT))?;
        // `r#name` is `name`, as everywhere else in Rust.
        let key = syn::Ident::new(&unraw(&key), key.span());
        if key == "name" && lit.is_none() {
            // #[header(name = "X-Tenant")]
            input.parse::<Token![=]>()?;
            if !input.peek(LitStr) {
                return Err(syn::Error::new(
                    input.span(),
                    "expected a string literal header name, like `#[header(name = \"X-Tenant\")]`",
                ));
            }
            lit = Some(input.parse::<LitStr>()?);
        } else if key == "name" {
            return Err(syn::Error::new(
                key.span(),
                "duplicate header name: one attribute names one header",
            ));
        } else if key == "default" && default.is_none() {
            // #[header("X-Page", default = 1)]
            input.parse::<Token![=]>()?;
            default = Some(input.parse::<syn::Expr>()?);
        } else if key == "default" {
            return Err(syn::Error::new(key.span(), "duplicate option `default`"));
        } else if key == "max_len" && in_context && context.max_len.is_none() {
            // #[header("X-Session-ID", max_len = 512)]
            input.parse::<Token![=]>()?;
            let at = input.span();
            let lit: syn::LitInt = input.parse().map_err(|_| {
                syn::Error::new(
                    at,
                    "expected an integer number of bytes, like `max_len = 512`",
                )
            })?;
            let max = lit.base10_parse::<usize>()?;
            if max == 0 {
                return Err(syn::Error::new(
                    lit.span(),
                    "`max_len` must be at least 1: a header value has at least one byte",
                ));
            }
            context.max_len = Some((lit, max));
        } else if key == "forward_untrusted" && in_context && context.forward_untrusted.is_none() {
            // #[header("X-Locale", forward_untrusted)]
            if input.peek(Token![=]) {
                return Err(syn::Error::new(
                    key.span(),
                    "`forward_untrusted` takes no value: write `#[header(\"X-Name\", forward_untrusted)]`",
                ));
            }
            context.forward_untrusted = Some(key);
        } else if in_context && (key == "max_len" || key == "forward_untrusted") {
            return Err(syn::Error::new(
                key.span(),
                format!("duplicate option `{key}`"),
            ));
        } else {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown option `{}` in `#[header(…)]`: {}",
                    unraw(&key),
                    reader.valid_options()
                ),
            ));
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(Args {
        lit,
        default,
        context,
    })
}

/// `#[request_id]` takes nothing; returns whether the attribute is well
/// formed (a malformed one is reported).
pub fn parse_request_id(cx: &Ctxt, attr: &Attribute) -> bool {
    match &attr.meta {
        Meta::Path(_) => true,
        Meta::List(list) => {
            cx.error_at(
                list.delimiter.span().join(),
                "`#[request_id]` takes no arguments",
            );
            false
        }
        Meta::NameValue(nv) => {
            cx.error_spanned_by(&nv.value, "`#[request_id]` takes no value");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{check, MAX_NAME_LEN};

    #[test]
    fn names_as_long_as_http_allows_and_no_longer() {
        assert!(check(&"x".repeat(MAX_NAME_LEN)).is_ok());
        let too_long = check(&"x".repeat(MAX_NAME_LEN + 1)).unwrap_err();
        assert_eq!(too_long, "header name too long: 65536 bytes, at most 65535");
        // `http` agrees on both sides of the limit.
        assert!(http_accepts(MAX_NAME_LEN));
        assert!(!http_accepts(MAX_NAME_LEN + 1));
    }

    fn http_accepts(len: usize) -> bool {
        axum::http::HeaderName::from_bytes("x".repeat(len).as_bytes()).is_ok()
    }
}
