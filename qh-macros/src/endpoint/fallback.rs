//! What a broken endpoint expands to besides the errors.

use proc_macro2::TokenStream;
use quote::quote;

use crate::endpoint::ast::Endpoint;
use crate::endpoint::expand::{function_and_companion, local};
use crate::paths::Paths;

/// What a broken endpoint still generates: the companion with a handler that
/// is never run (the compile fails), so `qh::routes!` naming it reports
/// nothing extra. Its empty path is skipped by the duplicate-route check.
pub fn fallback(ep: &Endpoint<'_>) -> TokenStream {
    let paths = Paths::new(ep.krate.as_ref());
    let (companion, items) = function_and_companion(ep);
    let s = local("__QhS");
    let (clone, send, sync) = (paths.clone(), paths.send(), paths.sync());
    let (endpoint, method, handler, marker, request, response) = (
        paths.endpoint(),
        paths.method(),
        paths.handler(),
        paths.endpoint_marker(),
        paths.request(),
        paths.response(),
    );
    let (ready_future, ready, default) = (paths.ready_future(), paths.ready(), paths.default());
    quote! {
        #items

        const _: () = {
            impl #clone for #companion {
                fn clone(&self) -> Self {
                    #companion {}
                }
            }

            impl #endpoint for #companion {
                const NAME: &'static str = "";
                const PATH: &'static str = "";
                const METHOD: #method = #method::POST;
                const METHOD_STR: &'static str = "";
                fn handler() -> Self {
                    #companion {}
                }
            }

            impl<#s: #clone + #send + #sync + 'static> #handler<#marker, #s> for #companion {
                type Future = #ready_future<#response>;

                fn call(self, _: #request, _: #s) -> Self::Future {
                    #ready(<#response as #default>::default())
                }
            }
        };
    }
}
