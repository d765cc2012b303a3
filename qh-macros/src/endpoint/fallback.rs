//! What a broken endpoint expands to besides the errors.

use proc_macro2::TokenStream;
use quote::quote;

use crate::endpoint::ast::Endpoint;
use crate::endpoint::companion::{self, function_and_companion, Route};
use crate::endpoint::tokens::local;
use crate::paths::Paths;

/// What a broken endpoint still generates: the companion with a handler that
/// is never run (the compile fails), so `qh::routes!` naming it reports
/// nothing extra. Its empty path is skipped by the duplicate-route check.
pub fn fallback(ep: &Endpoint<'_>) -> TokenStream {
    let paths = Paths::new(ep.krate.as_ref());
    let (companion, items) = function_and_companion(ep);
    let route = Route {
        name: String::new(),
        path: "",
        method: "",
        task: false,
    };
    let impls = companion::impls(&paths, &companion, &route);
    let s = local("__QhS");
    let (clone, send, sync) = (paths.clone(), paths.send(), paths.sync());
    let (handler, marker, request, response) = (
        paths.handler(),
        paths.endpoint_marker(),
        paths.request(),
        paths.response(),
    );
    let (ready_future, ready, default) = (paths.ready_future(), paths.ready(), paths.default());
    quote! {
        #items

        const _: () = {
            #impls

            impl<#s: #clone + #send + #sync + 'static> #handler<#marker, #s> for #companion {
                type Future = #ready_future<#response>;

                fn call(self, _: #request, _: #s) -> Self::Future {
                    #ready(<#response as #default>::default())
                }
            }
        };
    }
}
