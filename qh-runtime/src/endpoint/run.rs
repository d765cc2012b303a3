//! Running one endpoint call: its request's resolution, context and span,
//! the echo, and panics turned into 500 problems.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context as TaskContext, Poll};

use std::panic::{catch_unwind, AssertUnwindSafe};
use tokio::task::futures::TaskLocalFuture;

use axum::response::Response;
use http::request::Parts;
use http::{HeaderName, HeaderValue};
use tracing::Span;

use crate::context::{self, Context};
use crate::panic::{self, CatchUnwind};
use crate::resolve::{self, Found};
use crate::span::{incoming_trace, Completion, RequestSpan, SpanConfig};
use crate::RequestId;

/// A request's tracking state between resolution and the response: the ID
/// the endpoint's parameters receive, and what this endpoint must do itself
/// (set the context, open the span, echo) when no `Tracking` layer did.
pub struct Prepared {
    id: RequestId,
    /// The context to enter, when it is not the current one.
    ctx: Option<Context>,
    own: Option<Own>,
}

/// What an endpoint does when it is the first to see the request.
struct Own {
    span: Span,
    done: Completion,
    echo: (HeaderName, HeaderValue),
}

impl Prepared {
    /// The request's tracking ID.
    #[inline]
    #[must_use]
    pub fn id(&self) -> &RequestId {
        &self.id
    }
}

/// Takes the request's resolution (`resolve::for_request`): the
/// `Tracking` layer's, or one made now with the defaults (reading `header`
/// instead of `X-Request-ID` if given). `remember` stores a fresh one in the
/// request for the endpoint's extractors (`#[extract]` parameters), so they
/// see the same ID.
#[inline]
#[must_use]
pub fn prepare(
    parts: &mut Parts,
    header: Option<&HeaderName>,
    route: &'static str,
    remember: bool,
) -> Prepared {
    match resolve::for_request(parts, header) {
        Found::Existing(resolved) => Prepared {
            id: resolved.id().clone(),
            // The layer set the context, opened the span and echoes; enter
            // the context again only if something between it and us moved
            // the request to a task without it.
            ctx: (!context::is_current(resolved.id())).then(|| {
                Context::from_resolved(resolved.clone())
                    .with_incoming_trace(incoming_trace(&parts.headers))
            }),
            own: None,
        },
        Found::Fresh(fresh) => {
            let trace = incoming_trace(&parts.headers);
            let (span, done) = RequestSpan::new(
                SpanConfig::default(),
                &fresh.resolved,
                &parts.method,
                || Some(route),
                trace.as_ref(),
            )
            .into_parts();
            let echo = (fresh.resolved.header().clone(), fresh.echo);
            if remember {
                parts.extensions.insert(fresh.resolved.clone());
            }
            Prepared {
                id: fresh.resolved.id().clone(),
                ctx: Some(Context::from_resolved(fresh.resolved).with_incoming_trace(trace)),
                own: Some(Own { span, done, echo }),
            }
        }
    }
}

fn finish(response: &mut Response, own: Option<Own>) {
    if let Some(Own {
        span,
        done,
        echo: (name, value),
    }) = own
    {
        response.headers_mut().insert(name, value);
        done.complete(&span, response.status());
    }
}

/// Runs an endpoint's async body in the request's context and span, turning
/// a panic into a 500 problem and echoing the ID: one future around the
/// body, rather than layers of async blocks to move and poll through.
pub fn run<F: Future<Output = Result<Response, Response>>>(prepared: Prepared, fut: F) -> Run<F> {
    let Prepared { ctx, own, .. } = prepared;
    let guarded = Guarded {
        inner: CatchUnwind::new(fut),
        own,
    };
    Run {
        state: match ctx {
            Some(ctx) => RunState::Scoped {
                inner: ctx.scoped(guarded),
            },
            None => RunState::Bare { inner: guarded },
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
            inner: TaskLocalFuture<Context, Guarded<F>>,
        },
        Bare {
            #[pin]
            inner: Guarded<F>,
        },
    }
}

impl<F: Future<Output = Result<Response, Response>>> Future for Run<F> {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Response> {
        match self.project().state.project() {
            RunStateProj::Scoped { inner } => inner.poll(cx),
            RunStateProj::Bare { inner } => inner.poll(cx),
        }
    }
}

pin_project_lite::pin_project! {
    /// The body in its span; a panic answered inside the context (so the
    /// problem names the ID); the echo and the span's completion.
    struct Guarded<F> {
        #[pin]
        inner: CatchUnwind<F>,
        own: Option<Own>,
    }
}

impl<F: Future<Output = Result<Response, Response>>> Future for Guarded<F> {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Response> {
        let this = self.project();
        let polled = {
            let _entered = this.own.as_ref().map(|own| own.span.enter());
            this.inner.poll(cx)
        };
        let mut response = match ready!(polled) {
            Ok(Ok(response) | Err(response)) => response,
            Err(payload) => panic::response(&*payload),
        };
        finish(&mut response, this.own.take());
        Poll::Ready(response)
    }
}

/// [`run`] for a synchronous endpoint that needs nothing awaited: the
/// context is set with the task-local's sync scope.
pub fn run_sync(prepared: Prepared, f: impl FnOnce() -> Result<Response, Response>) -> Response {
    let Prepared { ctx, own, .. } = prepared;
    let call = || match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(response) | Err(response)) => response,
        Err(payload) => panic::response(&*payload),
    };
    let mut response = match (ctx, &own) {
        (None, _) => call(),
        (Some(ctx), Some(own)) => own.span.in_scope(|| ctx.sync_scope(call)),
        (Some(ctx), None) => ctx.sync_scope(call),
    };
    finish(&mut response, own);
    response
}
