//! Running one endpoint call inside its request's scope: the `Tracking`
//! layer's when one is above (the endpoint adds only its extraction and its
//! call), else a [`RequestScope`] the endpoint opens itself, the same one the
//! layer would have opened.

use std::convert::Infallible;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{ready, Context as TaskContext, Poll};

use axum::response::Response;
use http::request::Parts;
use http::HeaderName;

use crate::context::{self, Context};
use crate::id::RequestId;
use crate::tracking::body::{panicked, respond};
use crate::tracking::future::InScope;
use crate::tracking::resolve::{self, Found};
use crate::tracking::scope::RequestScope;
use crate::tracking::span::{incoming_trace, split_incoming, SpanConfig};

/// The boxed future of an endpoint that awaits.
pub type BoxFuture = Pin<Box<dyn Future<Output = Response> + Send + 'static>>;

/// A request's tracking state between resolution and the call: the scope
/// the call runs in.
pub struct Prepared {
    /// The scope the endpoint opened itself (no layer above), or the
    /// layer's context made current again (something between the layer and
    /// the endpoint moved the request to a task without it); `None` when
    /// the `Tracking` layer's scope is current already.
    scope: Option<RequestScope>,
}

/// Takes the request's resolution (`resolve::for_request`): the
/// `Tracking` layer's, or one made now with the defaults (reading `header`
/// instead of `X-Request-ID` if given). `remember` stores a fresh one in the
/// request for the endpoint's extractors (`#[extract]` parameters), so they
/// see the same ID. Returns the ID the endpoint's parameters receive, and
/// the scope its call runs in.
#[inline]
#[must_use]
pub fn prepare(
    parts: &mut Parts,
    header: Option<&HeaderName>,
    route: &'static str,
    remember: bool,
) -> (RequestId, Prepared) {
    match resolve::for_request(parts, header) {
        Found::Existing(resolved) => {
            let scope = (!context::is_current(resolved.id())).then(|| {
                RequestScope::reenter(Context::from_resolved(
                    resolved.clone(),
                    split_incoming(incoming_trace(&parts.headers), resolved.trace_trusted()).0,
                ))
            });
            (resolved.id().clone(), Prepared { scope })
        }
        Found::Fresh(fresh) => {
            if remember {
                parts.extensions.insert(fresh.resolved.clone());
            }
            let id = fresh.resolved.id().clone();
            // No layer: no app shutdown to count toward, no meters.
            let scope = RequestScope::open(
                SpanConfig::default(),
                None,
                fresh,
                &parts.headers,
                (&parts.method, &parts.uri, parts.version),
                || Some(route),
            );
            (id, Prepared { scope: Some(scope) })
        }
    }
}

/// Runs an endpoint's async body in its request's scope: one future around
/// the body, rather than layers of async blocks to move and poll through.
pub fn run<F: Future<Output = Result<Response, Response>>>(prepared: Prepared, fut: F) -> Run<F> {
    let answered = Answered { inner: fut };
    Run {
        state: match prepared.scope {
            None => RunState::Bare { inner: answered },
            Some(scope) => RunState::Scoped {
                inner: InScope::new(scope, answered),
            },
        },
    }
}

pin_project_lite::pin_project! {
    /// The future of an async endpoint's call (see [`run`]).
    pub struct Run<F> {
        #[pin]
        state: RunState<F>,
    }
}

pin_project_lite::pin_project! {
    #[project = RunStateProj]
    enum RunState<F> {
        Scoped {
            #[pin]
            inner: InScope<Answered<F>>,
        },
        Bare {
            #[pin]
            inner: Answered<F>,
        },
    }
}

impl<F: Future<Output = Result<Response, Response>>> Future for Run<F> {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Response> {
        let answered = match self.project().state.project() {
            RunStateProj::Scoped { inner } => ready!(inner.poll(cx)),
            RunStateProj::Bare { inner } => ready!(inner.poll(cx)),
        };
        Poll::Ready(match answered {
            Ok(response) => response,
        })
    }
}

pin_project_lite::pin_project! {
    /// An endpoint body's answer, `Ok` or `Err`, as the scope's future wants
    /// it.
    struct Answered<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future<Output = Result<Response, Response>>> Future for Answered<F> {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let (Ok(response) | Err(response)) = ready!(self.project().inner.poll(cx));
        Poll::Ready(Ok(response))
    }
}

/// [`run`] for a synchronous endpoint that needs nothing awaited.
pub fn run_sync(prepared: Prepared, f: impl FnOnce() -> Result<Response, Response>) -> Response {
    match prepared.scope {
        // The layer's scope catches a panic, as for an async endpoint.
        None => {
            let (Ok(response) | Err(response)) = f();
            response
        }
        Some(scope) => match scope.run(|| catch_unwind(AssertUnwindSafe(f))) {
            Ok(Ok(response) | Err(response)) => respond(scope, response),
            Err(payload) => panicked(scope, &payload),
        },
    }
}
