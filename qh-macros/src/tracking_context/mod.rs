//! `#[derive(TrackingContext)]`: parse → validate → expand.

mod ast;
mod attr;
mod expand;
mod fallback;
#[cfg(test)]
mod props;
mod valid;

use proc_macro2::TokenStream;

use crate::ctxt::Ctxt;
use crate::paths::Paths;

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let ast = ast::Input::from_ast(&cx, input);
    valid::check(&cx, &ast);
    match cx.check() {
        Ok(()) => expand::derive(&ast),
        Err(errors) => {
            let paths = Paths::new(ast.container.krate.as_ref());
            let mut out = fallback::derive(input, &paths);
            out.extend(errors.to_compile_error());
            out
        }
    }
}
