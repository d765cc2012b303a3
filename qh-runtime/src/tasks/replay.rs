//! Running a task endpoint's task again: what its submission captures
//! ([`Capture`], [`Replay`]), and how an attempt's work is made again by
//! sending the endpoint a request rebuilt from it.
//!
//! The endpoint's own handler does the work: the rebuilt request goes
//! through the same extraction as the first (so the function gets the same
//! arguments, checked the same way), and where a first request would
//! submit, the handler hands its work to the runner instead
//! ([`ReplayMarker`]). In this process (a retry) the request is the
//! original one, all its headers and extensions; on another instance (a
//! task taken over) it is rebuilt from the stored [`Invocation`] alone.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::handler::Handler;
use axum::response::Response;
use axum::routing::MethodFilter;
use http::request::Parts;
use http::{Extensions, HeaderMap, Request};
use tokio::sync::oneshot;

use super::{Invocation, TaskOutcome};
use crate::context::{Context, Resolved};
use crate::endpoint::{Endpoint, EndpointMarker};
use crate::id::RequestId;
use crate::support::sync::lock;

/// A task's work, boxed.
pub(crate) type Work = Pin<Box<dyn Future<Output = TaskOutcome> + Send>>;

/// Calls an endpoint's handler with a request: how its work is made again.
pub(crate) type Rerun =
    Arc<dyn Fn(Request<Body>) -> Pin<Box<dyn Future<Output = Response> + Send>> + Send + Sync>;

/// An endpoint `#[qh::endpoint(task)]` (or `task = "optional"`) generated:
/// what a [`Runner`](crate::tasks::Runner) needs to run its tasks again.
/// Implemented by the macro, never by hand; named in
/// [`RunnerBuilder::endpoint`](crate::tasks::RunnerBuilder::endpoint).
///
/// # Examples
///
/// ```
/// use qh::tasks::{Runner, TaskEndpoint};
///
/// #[qh::endpoint(task, retries = 2)]
/// async fn resize(width: u32) -> u32 { width / 2 }
///
/// assert_eq!(<resize as TaskEndpoint>::RETRIES, 2);
/// assert!(!<resize as TaskEndpoint>::OPTIONAL);
/// let runner = Runner::builder().endpoint::<resize>().build();
/// assert_eq!(runner.endpoints(), ["POST /resize"]);
/// ```
#[diagnostic::on_unimplemented(
    message = "a runner runs the tasks of task endpoints only",
    label = "not marked `#[qh::endpoint(task)]`",
    note = "a runner runs again the tasks of endpoints marked `#[qh::endpoint(task)]` or `#[qh::endpoint(task = \"optional\")]`"
)]
pub trait TaskEndpoint: Endpoint {
    /// The headers its parameters read (lowercase): the only ones stored.
    const HEADERS: &'static [&'static str];
    /// `retries = n`: how many times an `Err` or a panic runs again.
    const RETRIES: u32;
    /// `task = "optional"`: it runs in the background only when asked.
    const OPTIONAL: bool;
}

/// `METHOD /path`: the key an endpoint's tasks are run again under.
pub(crate) fn route_of<E: Endpoint>() -> String {
    format!("{} {}", E::METHOD_STR, E::PATH)
}

/// The rerun function of endpoint `E` with the router's `state`: a router
/// of `E` alone, so that a rebuilt request is routed as the first was (its
/// path parameters and matched path found the same way).
pub(crate) fn rerun_of<E, S>(state: S) -> Rerun
where
    E: Endpoint + Handler<EndpointMarker, S>,
    S: Clone + Send + Sync + 'static,
{
    let filter = MethodFilter::try_from(E::METHOD).unwrap_or(MethodFilter::POST);
    let router: axum::Router = axum::Router::new()
        .route(E::PATH, axum::routing::on(filter, E::handler()))
        .with_state(state);
    Arc::new(move |request| {
        let mut router = router.clone();
        Box::pin(async move {
            match tower::Service::call(&mut router, request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        })
    })
}

/// What a task endpoint's handler reads of its request before extraction
/// consumes it, for [`Replay`]. Made by generated code.
#[doc(hidden)]
pub struct Capture {
    /// `None` when nothing can use it (see [`Capture::of`]).
    invocation: Option<Invocation>,
    original: Option<Original>,
}

/// The request as it came (retries in this process replay it whole).
struct Original {
    headers: HeaderMap,
    extensions: Extensions,
}

impl Capture {
    /// Reads `parts` of a request to endpoint `E` (before extraction),
    /// submitted to `tasks`: what another attempt needs, when one can use
    /// it (a shared store's other instances, `E`'s retries) or an
    /// `Idempotency-Key` compares it; nothing otherwise (a memory store's
    /// task without retries runs once, and the capture would be waste).
    /// Its headers and extensions are kept whole, in memory only, when `E`
    /// has retries.
    #[must_use]
    pub fn of<E: TaskEndpoint>(
        parts: &Parts,
        tasks: &Result<crate::tasks::CallerTasks, Response>,
    ) -> Self {
        let shared = tasks
            .as_ref()
            .is_ok_and(|t| t.runner().store().sweep_every().is_some());
        let keyed = parts.headers.contains_key("idempotency-key");
        if !(shared || keyed || E::RETRIES > 0) {
            return Self {
                invocation: None,
                original: None,
            };
        }
        let original = (E::RETRIES > 0).then(|| Original {
            headers: parts.headers.clone(),
            extensions: parts.extensions.clone(),
        });
        Self {
            invocation: Some(Invocation::capture(route_of::<E>(), parts, E::HEADERS)),
            original,
        }
    }

    /// Completes the capture once the request is read (inside its scope):
    /// its JSON body (`None` for an endpoint without one), and how to call
    /// `E` again with the router's `state`.
    #[must_use]
    pub fn finish<E, S>(self, body: Option<&[u8]>, state: S) -> Replay
    where
        E: TaskEndpoint + Handler<EndpointMarker, S>,
        S: Clone + Send + Sync + 'static,
    {
        // Only a retry runs it again in this process: the router that
        // does is made then, not for every submission.
        let rerun = if E::RETRIES > 0 {
            Rerunner::Later(Arc::new(move || rerun_of::<E, S>(state.clone())))
        } else {
            Rerunner::Elsewhere
        };
        Replay {
            invocation: self.invocation.map(|i| i.completed(body)),
            original: self.original.map(Arc::new),
            retries: E::RETRIES,
            optional: E::OPTIONAL,
            rerun,
        }
    }
}

/// How to run a task of an endpoint again; what a submission through
/// generated code carries. Made by generated code ([`Capture::finish`]).
#[doc(hidden)]
#[derive(Clone)]
pub struct Replay {
    pub(crate) invocation: Option<Invocation>,
    original: Option<Arc<Original>>,
    pub(crate) retries: u32,
    optional: bool,
    rerun: Rerunner,
}

/// How this instance calls the endpoint again.
#[derive(Clone)]
enum Rerunner {
    /// Through the router of its registration.
    Ready(Rerun),
    /// Through a router made when first needed (a retry).
    Later(Arc<dyn Fn() -> Rerun + Send + Sync>),
    /// Not here: no retries, so only another instance (which registered
    /// the endpoint) runs it again.
    Elsewhere,
}

impl Replay {
    /// The same, on an instance that only has what was stored.
    pub(crate) fn stored(invocation: Invocation, registered: &Registered) -> Self {
        Self {
            invocation: Some(invocation),
            original: None,
            retries: registered.retries,
            optional: registered.optional,
            rerun: Rerunner::Ready(Arc::clone(&registered.rerun)),
        }
    }

    /// The work of another attempt of `task_id`: the endpoint called with
    /// the request rebuilt (the original one in this process), carrying
    /// `runner` and the submitting request's ID. `Err` with the reason when
    /// the endpoint does not hand over its work (it refused the request).
    pub(crate) async fn work(
        &self,
        runner: &crate::tasks::Runner,
        request_id: Option<&RequestId>,
    ) -> Result<(Work, Option<Context>), String> {
        let Some(invocation) = &self.invocation else {
            return Err("nothing was stored to run it again".to_owned());
        };
        let Some(mut request) = invocation.request() else {
            return Err("its stored invocation cannot be read back".to_owned());
        };
        if let Some(original) = &self.original {
            *request.headers_mut() = original.headers.clone();
            *request.extensions_mut() = original.extensions.clone();
        }
        if self.optional {
            request
                .headers_mut()
                .insert("x-async", http::HeaderValue::from_static("true"));
        }
        let extensions = request.extensions_mut();
        extensions.remove::<ReplayMarker>();
        extensions.insert(runner.clone());
        if let Some(id) = request_id {
            let header = invocation.id_header().unwrap_or(crate::id::DEFAULT_HEADER);
            extensions.insert(Resolved::new(id.clone(), header, None));
        } else {
            extensions.remove::<Resolved>();
        }
        let (marker, handed) = ReplayMarker::new();
        extensions.insert(marker);
        let rerun = match &self.rerun {
            Rerunner::Ready(rerun) => Arc::clone(rerun),
            Rerunner::Later(make) => make(),
            Rerunner::Elsewhere => {
                return Err(
                    "its endpoint has no retries, and runs again on another instance only"
                        .to_owned(),
                )
            }
        };
        let response = rerun(request).await;
        match handed.await {
            Ok(work) => Ok(work),
            Err(_) => Err(refusal(response).await),
        }
    }
}

/// Why the endpoint answered instead of handing over its work: its status
/// and problem `detail`.
async fn refusal(response: Response) -> String {
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .unwrap_or_default();
    let detail = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|doc| doc["detail"].as_str().map(str::to_owned));
    match detail {
        Some(detail) => {
            format!("the endpoint refused the request rebuilt to run it again: {status}: {detail}")
        }
        None => format!("the endpoint refused the request rebuilt to run it again: {status}"),
    }
}

/// What the runner keeps of an endpoint registered with it.
#[derive(Clone)]
pub(crate) struct Registered {
    pub(crate) rerun: Rerun,
    pub(crate) retries: u32,
    pub(crate) optional: bool,
}

impl Registered {
    pub(crate) fn of<E, S>(state: S) -> Self
    where
        E: TaskEndpoint + Handler<EndpointMarker, S>,
        S: Clone + Send + Sync + 'static,
    {
        Self {
            rerun: rerun_of::<E, S>(state),
            retries: E::RETRIES,
            optional: E::OPTIONAL,
        }
    }
}

/// In the extensions of a rebuilt request: where the endpoint hands its
/// work (and the context it made) instead of submitting it.
#[derive(Clone)]
pub(crate) struct ReplayMarker(Arc<Mutex<Option<oneshot::Sender<Handed>>>>);

/// What the endpoint hands over: its work, and the context it made.
type Handed = (Work, Option<Context>);

impl ReplayMarker {
    fn new() -> (Self, oneshot::Receiver<Handed>) {
        let (tx, rx) = oneshot::channel();
        (Self(Arc::new(Mutex::new(Some(tx)))), rx)
    }

    /// Hands `work` over (once), with the current context.
    pub(crate) fn hand_over(&self, work: Work) {
        let sender = lock(&self.0).take();
        if let Some(sender) = sender {
            let _ = sender.send((work, Context::current()));
        }
    }
}

/// Submits the work of a task endpoint's call with how to run it again,
/// and answers the submission (`202`, or the refusal); what generated code
/// calls. On a request rebuilt to run a task again, hands the work to the
/// runner instead (the answer is then not used).
#[doc(hidden)]
pub async fn submit_endpoint_task<F>(
    tasks: &crate::tasks::CallerTasks,
    name: &'static str,
    work: F,
    replay: Replay,
) -> Response
where
    F: Future<Output = TaskOutcome> + Send + 'static,
{
    use axum::response::IntoResponse;
    match tasks.submit_replayable(name, work, replay).await {
        Ok(submitted) => submitted.into_response(),
        Err(e) => e.into_response(),
    }
}
