//! Running one endpoint call: its request's resolution, context and span,
//! the echo, and panics turned into 500 problems.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

use axum::response::Response;
use http::request::Parts;
use http::{HeaderName, HeaderValue};
use tracing::{Instrument, Span};

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
                Some(route),
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
/// a panic into a 500 problem and echoing the ID.
pub async fn run<F: Future<Output = Result<Response, Response>>>(
    prepared: Prepared,
    fut: F,
) -> Response {
    let Prepared { ctx, own, .. } = prepared;
    // The panic is answered inside the context, so the problem names the ID.
    let answer = async move {
        match CatchUnwind::new(fut).await {
            Ok(Ok(response) | Err(response)) => response,
            Err(payload) => panic::response(&*payload),
        }
    };
    let mut response = match (ctx, &own) {
        (None, _) => answer.await,
        (Some(ctx), Some(own)) if !own.span.is_none() => {
            ctx.scoped(answer).instrument(own.span.clone()).await
        }
        (Some(ctx), _) => ctx.scoped(answer).await,
    };
    finish(&mut response, own);
    response
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
