//! Header names in the macros' attributes: parsing `#[header(…)]` and the
//! compile-time checks, shared by both macros.

use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{LitStr, Token};

/// The characters RFC 9110 allows in a header name besides letters and digits.
const TCHAR_PUNCTUATION: &str = "!#$%&'*+-.^_`|~";

/// Checks that `name` is a valid header name; returns it lowercased (the form
/// `HeaderName::from_static` needs) or a message in rustc's voice.
pub fn check(name: &str) -> Result<String, String> {
    if name.is_empty() {
        return Err("header name cannot be empty".to_owned());
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

/// The header name a bare `#[header]` reads: `x_user_id` → `x-user-id`.
pub fn from_ident(ident: &syn::Ident) -> String {
    let text = ident.to_string();
    let text = text.strip_prefix("r#").unwrap_or(&text);
    text.replace('_', "-").to_ascii_lowercase()
}

/// The inside of `#[header(…)]`, for both macros: nothing (the name comes
/// from the identifier), a string, or `name = "…"`.
pub fn parse_args(input: ParseStream<'_>) -> syn::Result<Option<LitStr>> {
    if input.is_empty() {
        return Ok(None);
    }
    let lit = if input.peek(LitStr) {
        // #[header("X-Tenant")]
        input.parse::<LitStr>()?
    } else if input.peek(syn::Lit) {
        // #[header(5)]
        let other: syn::Lit = input.parse()?;
        return Err(syn::Error::new(
            other.span(),
            "expected a string literal header name, like `#[header(\"X-Tenant\")]`",
        ));
    } else {
        // #[header(name = "X-Tenant")]
        // Keywords too, so that `#[header(type = …)]` is an unknown option.
        let key = input.call(syn::Ident::parse_any).map_err(|_| {
            syn::Error::new(
                input.span(),
                "expected a string literal header name, like `#[header(\"X-Tenant\")]`",
            )
        })?;
        if key != "name" {
            return Err(syn::Error::new(
                key.span(),
                format!("unknown option `{key}` in `#[header(…)]`: the valid option is `name`"),
            ));
        }
        input.parse::<Token![=]>()?;
        if !input.peek(LitStr) {
            return Err(syn::Error::new(
                input.span(),
                "expected a string literal header name, like `#[header(name = \"X-Tenant\")]`",
            ));
        }
        input.parse::<LitStr>()?
    };
    if !input.is_empty() {
        return Err(syn::Error::new(
            input.span(),
            "unexpected tokens after the header name: one attribute names one header",
        ));
    }
    Ok(Some(lit))
}
