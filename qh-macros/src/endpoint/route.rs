//! The route: the method and the path template, checked against what axum
//! 0.8 accepts (it would otherwise panic when the router is built).

use crate::ctxt::Ctxt;

const METHODS: [&str; 9] = [
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT",
];

/// Methods whose requests carry no body semantics (RFC 9110 §9.3.1, §9.3.2,
/// §9.3.5): their unannotated parameters are query parameters.
pub fn is_bodyless(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "DELETE")
}

/// axum routes by the standard methods only.
pub fn check_method(cx: &Ctxt, method: &str, lit: Option<&syn::LitStr>) {
    if let Some(lit) = lit {
        if !METHODS.contains(&method) {
            let expected = METHODS.map(|m| format!("`{m}`")).join(", ");
            cx.error_spanned_by(
                lit,
                format!(
                    "invalid method `{}`: expected one of {expected}",
                    lit.value().escape_debug()
                ),
            );
        }
    }
}

/// The `{name}` placeholders of `path`, reporting each mistake through
/// `error`.
pub fn placeholders(path: &str, error: &dyn Fn(String)) -> Vec<String> {
    if !path.starts_with('/') {
        error(format!(
            "invalid path `{path}`: paths must start with `/`, e.g. `/{}`",
            path.trim_start_matches('/')
        ));
        return Vec::new();
    }
    if let Some((route, query)) = path.split_once('?') {
        // "/search?q={q}": the router matches paths only.
        let names: Vec<&str> = query
            .split('&')
            .filter_map(|pair| pair.split('=').next())
            .filter(|name| !name.is_empty())
            .collect();
        let hint = match names.as_slice() {
            [] => String::new(),
            names => format!(
                ", and read {} with `#[query]` parameters",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        error(format!(
            "invalid path `{path}`: a route cannot contain a query string; route `{route}`{hint}"
        ));
        return Vec::new();
    }
    let mut names: Vec<String> = Vec::new();
    let segments: Vec<&str> = path[1..].split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        if let Some(name) = segment.strip_prefix(':') {
            // axum 0.7's "/users/:id"
            error(format!(
                "invalid path `{path}`: `{segment}` is axum 0.7 syntax; write `{{{name}}}`"
            ));
            continue;
        }
        if let Some(name) = segment.strip_prefix('*') {
            // axum 0.7's "/files/*rest"
            error(format!(
                "invalid path `{path}`: `{segment}` is axum 0.7 syntax; write `{{*{name}}}`"
            ));
            continue;
        }
        let opens = segment.matches('{').count();
        let closes = segment.matches('}').count();
        if opens == 0 && closes == 0 {
            if let Some(c) = segment.chars().find(|&c| !is_path_char(c)) {
                error(not_a_path_char(path, c));
                return Vec::new();
            }
            continue;
        }
        if opens != closes || opens > 1 {
            error(format!(
                "invalid path `{path}`: unbalanced `{{` or `}}` in segment `{segment}`"
            ));
            continue;
        }
        let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            error(format!(
                "invalid path `{path}`: a placeholder must be a whole segment, like `/{{id}}`, found `{segment}`"
            ));
            continue;
        };
        let (wildcard, name) = match inner.strip_prefix('*') {
            Some(name) => (true, name),
            None => (false, inner),
        };
        if name.is_empty() {
            error(format!(
                "invalid path `{path}`: empty placeholder `{segment}`: name it, like `{{id}}`"
            ));
            continue;
        }
        // Keywords are fine: `{type}` is filled by an `r#type` parameter.
        let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !plain
            || syn::parse_str::<syn::Ident>(&format!("r#{name}")).is_err()
                && syn::parse_str::<syn::Ident>(name).is_err()
        {
            error(format!(
                "invalid path `{}`: placeholder `{}` must be a parameter name, like `{{id}}` (`{{type}}` for `r#type`)",
                path.escape_debug(),
                segment.escape_debug()
            ));
            continue;
        }
        if wildcard && i + 1 != segments.len() {
            error(format!(
                "invalid path `{path}`: the catch-all `{segment}` must be the last segment"
            ));
            continue;
        }
        if names.iter().any(|n| n == name) {
            error(format!(
                "invalid path `{path}`: placeholder `{{{name}}}` appears twice"
            ));
            continue;
        }
        names.push(name.to_owned());
    }
    names
}

/// Clients percent-encode `c`, and the router compares the path as sent:
/// the route would never match.
fn not_a_path_char(path: &str, c: char) -> String {
    let encoded: String = path.chars().map(percent_encoded).collect();
    let what = match c {
        ' ' => "a space".to_owned(),
        c if c.is_control() => "a control character".to_owned(),
        c => format!("`{c}`"),
    };
    format!(
        "invalid path `{}`: {what} cannot appear in a URL path as it is: clients send it percent-encoded, so route `path = \"{encoded}\"`",
        path.escape_debug()
    )
}

/// A character a URL path may hold as it is (RFC 3986 `pchar`, `/`, and the
/// braces of placeholders).
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/%{}".contains(c)
}

/// `c` as a client sends it in a path: itself, or its UTF-8 bytes as `%XX`.
fn percent_encoded(c: char) -> String {
    if is_path_char(c) {
        return c.to_string();
    }
    let mut buf = [0; 4];
    c.encode_utf8(&mut buf)
        .bytes()
        .map(|b| format!("%{b:02X}"))
        .collect()
}
