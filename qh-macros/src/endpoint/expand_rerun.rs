//! The generated code that lets a runner run a task endpoint's task again:
//! its `TaskEndpoint` impl (the headers its parameters read, its
//! `retries`), the capture of the request before extraction consumes it,
//! and the replay handed to the runner with the submission.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::endpoint::args::Task;
use crate::endpoint::ast::{Endpoint, Source};
use crate::endpoint::tokens::local;
use crate::paths::Paths;

/// `impl TaskEndpoint for the companion`, for task endpoints.
pub(super) fn impls(paths: &Paths, ep: &Endpoint<'_>, companion: &Ident) -> TokenStream {
    if ep.task.is_none() {
        return quote!();
    }
    let mut headers: Vec<&str> = Vec::new();
    for param in &ep.params {
        // Only what the parameters read is stored: never another header
        // (`Authorization`, `Cookie`…) unless a parameter declares it.
        let declared = match &param.source {
            Source::Header(name) | Source::RequestId(Some(name)) => name.as_str(),
            _ => continue,
        };
        if !declared.is_empty() && !headers.contains(&declared) {
            headers.push(declared);
        }
    }
    let retries = ep.retries.map_or(0, |r| r.count);
    let optional = ep.task == Some(Task::Optional);
    let task_endpoint = paths.task_endpoint();
    quote! {
        #[automatically_derived]
        impl #task_endpoint for #companion {
            const HEADERS: &'static [&'static str] = &[#(#headers),*];
            const RETRIES: u32 = #retries;
            const OPTIONAL: bool = #optional;
        }
    }
}

/// Before extraction: what the request carries that a rebuilt one needs
/// (after the request's `CallerTasks`, which says whether anything can
/// use it).
pub(super) fn capture(paths: &Paths, parts: &Ident) -> TokenStream {
    let (capture, task_capture) = (local("__qh_capture"), paths.task_capture());
    let tasks = local("__qh_tasks");
    quote!(let #capture = #task_capture::of::<Self>(&#parts, &#tasks);)
}

/// At submission: the capture completed (the body, the router's state),
/// what `submit_endpoint_task` takes with the work.
pub(super) fn replay(paths: &Paths, ep: &Endpoint<'_>) -> TokenStream {
    let (capture, state, s) = (local("__qh_capture"), local("__qh_state"), local("__QhS"));
    let body = if ep.has_body() {
        let bytes = local("__qh_bytes");
        quote!(#bytes.as_deref())
    } else {
        paths.none()
    };
    let clone = paths.clone();
    quote!(#capture.finish::<Self, #s>(#body, #clone::clone(&#state)))
}
