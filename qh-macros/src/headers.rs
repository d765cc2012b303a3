//! Compile-time checks of header names, shared by both macros.

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
