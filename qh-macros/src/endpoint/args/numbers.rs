//! The options whose values are integer literals: `retries = n` and
//! `errors(404, 409)`.

use syn::meta::ParseNestedMeta;
use syn::Token;

use super::{skip_value, Args, Retries};
use crate::ctxt::Ctxt;

/// The most retries an endpoint may ask for: more is a loop, not a retry.
const MAX_RETRIES: u32 = 100;

/// `retries = n`: how many times a failed task runs again, a whole
/// number up to [`MAX_RETRIES`].
pub(super) fn retries(cx: &Ctxt, args: &mut Args, meta: &ParseNestedMeta<'_>) {
    // #[qh::endpoint(task, retries = 3)]
    let example = "`retries = 3`";
    if !meta.input.peek(Token![=]) {
        cx.error_spanned_by(
            &meta.path,
            format!("expected a value: {example} (how many times a failed task runs again)"),
        );
        skip_value(meta);
        return;
    }
    let value = match meta.value() {
        Ok(value) => value,
        Err(e) => {
            cx.syn_error(e);
            return;
        }
    };
    if value.is_empty() || value.peek(Token![,]) {
        cx.error_spanned_by(&meta.path, format!("`retries =` needs a value: {example}"));
        return;
    }
    let expr = match value.parse::<syn::Expr>() {
        Ok(expr) => expr,
        Err(e) => {
            cx.syn_error(e);
            return;
        }
    };
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(lit),
        ..
    }) = &expr
    else {
        cx.error_spanned_by(
            &expr,
            format!("expected a whole number of retries: {example}"),
        );
        return;
    };
    if !matches!(lit.suffix(), "" | "u32") {
        cx.error_spanned_by(
            lit,
            format!("unexpected suffix `{}`: write {example}", lit.suffix()),
        );
        return;
    }
    let count = match lit.base10_parse::<u32>() {
        Ok(n) if n <= MAX_RETRIES => n,
        _ => {
            cx.error_spanned_by(
                lit,
                format!(
                    "invalid `retries = {}`: at most {MAX_RETRIES}; a task failing that often needs a fix, not more retries",
                    lit.base10_digits()
                ),
            );
            return;
        }
    };
    if args.retries.is_some() {
        cx.error_spanned_by(&meta.path, "duplicate option `retries`: remove one of them");
        return;
    }
    args.retries = Some(Retries {
        key: meta.path.clone(),
        count,
    });
}

/// `errors(404, 409)`: one or more distinct error statuses (400–599),
/// each an integer literal.
pub(super) fn errors(cx: &Ctxt, args: &mut Args, meta: &ParseNestedMeta<'_>) {
    const FORM: &str = "expected error statuses in parentheses: `errors(404, 409)`";
    if !meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(&meta.path, FORM);
        skip_value(meta);
        return;
    }
    let exprs = match parenthesized_list(meta.input) {
        Ok(exprs) => exprs,
        Err(e) => {
            cx.syn_error(e);
            return;
        }
    };
    if exprs.is_empty() {
        cx.error_spanned_by(&meta.path, format!("`errors()` is empty: {FORM}"));
        return;
    }
    let mut statuses: Vec<syn::LitInt> = Vec::new();
    for expr in exprs {
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(lit),
            ..
        }) = &expr
        else {
            cx.error_spanned_by(
                &expr,
                "expected a status as an integer literal, like `errors(404, 409)`",
            );
            continue;
        };
        if !lit.suffix().is_empty() {
            cx.error_spanned_by(
                lit,
                format!(
                    "unexpected suffix `{}` on a status: write it bare, like `errors(404, 409)`",
                    lit.suffix()
                ),
            );
            continue;
        }
        if !matches!(lit.base10_parse::<u16>(), Ok(400..=599)) {
            cx.error_spanned_by(
                lit,
                format!(
                    "`{lit}` is not an error status: `errors(…)` lists 4xx and 5xx statuses (400 to 599)"
                ),
            );
            continue;
        }
        if statuses
            .iter()
            .any(|seen| seen.base10_digits() == lit.base10_digits())
        {
            cx.error_spanned_by(lit, format!("status `{lit}` is listed twice: remove one"));
            continue;
        }
        statuses.push(lit.clone());
    }
    if args.errors.is_some() {
        cx.error_spanned_by(
            &meta.path,
            "duplicate option `errors`: list every status in one `errors(…)`",
        );
        return;
    }
    args.errors = Some(statuses);
}

/// `(a, b, …)`: the expressions inside the parentheses.
fn parenthesized_list(
    input: syn::parse::ParseStream<'_>,
) -> syn::Result<syn::punctuated::Punctuated<syn::Expr, Token![,]>> {
    let content;
    syn::parenthesized!(content in input);
    syn::punctuated::Punctuated::parse_terminated(&content)
}
