//! The generated code of task endpoints (`task`, `task = "optional"`):
//! the call submitted to the tasks runner instead of answered.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::endpoint::args::Task;
use crate::endpoint::ast::Endpoint;
use crate::endpoint::expand_rerun;
use crate::endpoint::expand_returns;
use crate::endpoint::tokens::local;
use crate::paths::Paths;
use crate::unraw;

/// Read from the request before its parts are consumed by extraction: the
/// request's view of its runner (`CallerTasks`, from the `Extension<Runner>`
/// the app or `qh::routes!` put there; a `500` answer without one) and, for
/// `task = "optional"`, whether the client asked for the background.
pub(super) fn before(paths: &Paths, ep: &Endpoint<'_>, parts: &Ident) -> TokenStream {
    let caller_tasks = paths.caller_tasks();
    let runner = local("__qh_tasks");
    let flag = local("__qh_async");
    let capture = expand_rerun::capture(paths, parts);
    match ep.task {
        None => quote!(),
        Some(Task::Always) => quote!(let #runner = #caller_tasks(&#parts); #capture),
        Some(Task::Optional) => {
            let (parse_async_flag, refuse) = (paths.parse_async_flag(), paths.refuse_invalid_key());
            let refusal = local("__qh_key_refusal");
            quote! {
                let #runner = #caller_tasks(&#parts);
                let #flag = #parse_async_flag(&#parts);
                let #refusal = #refuse(&#runner, &#parts);
                #capture
            }
        }
    }
}

/// What the handler does once the parameters are extracted: `answer` (the
/// synchronous call and its response) for plain endpoints; the submission
/// for task endpoints, or either one for `task = "optional"`.
pub(super) fn tail(
    paths: &Paths,
    ep: &Endpoint<'_>,
    call: &TokenStream,
    answer: TokenStream,
) -> TokenStream {
    let submit = match ep.task {
        None => return answer,
        Some(_) => submit(paths, ep, call),
    };
    match ep.task {
        Some(Task::Optional) => {
            let (flag, refusal) = (local("__qh_async"), local("__qh_key_refusal"));
            let err = paths.err();
            quote! {
                if let ::core::option::Option::Some(__qh_refused) = #refusal {
                    #err(__qh_refused)
                } else if #flag { #submit } else { #answer }
            }
        }
        _ => submit,
    }
}

fn submit(paths: &Paths, ep: &Endpoint<'_>, call: &TokenStream) -> TokenStream {
    let out = local("__qh_out");
    let outcome = expand_returns::outcome(paths, ep, &out);
    let work = if ep.is_async {
        quote!(async move {
            let #out = #call;
            #outcome
        })
    } else {
        // A synchronous function would block a runtime worker.
        let blocking_outcome = paths.blocking_outcome();
        quote!(#blocking_outcome(move || {
            let #out = #call;
            #outcome
        }))
    };
    let (ok, err, response, submit_task) = (
        paths.ok(),
        paths.err(),
        paths.response(),
        paths.submit_endpoint_task(),
    );
    let replay = expand_rerun::replay(paths, ep);
    let (runner, tasks) = (local("__qh_tasks"), local("__qh_caller"));
    let name = unraw(&ep.func.sig.ident);
    let work_var = local("__qh_work");
    quote! {
        let #work_var = #work;
        match #runner {
            #ok(#tasks) => #ok::<#response, #response>(#submit_task(&#tasks, #name, #work_var, #replay).await),
            // No runner in the request: its answer, the work never run.
            #err(#tasks) => #err::<#response, #response>(#tasks),
        }
    }
}
