//! [`RequestScope`]: the one scope of a tracked request, from its resolution
//! to the end of its response body. The `Tracking` layer opens it; an
//! endpoint with no layer above opens the same one; an endpoint under the
//! layer finds the layer's and adds only its own extraction and call.
//!
//! While the scope is entered (every poll of the request's future, see
//! `future`, and of its body, see `body`) the request's context is current
//! and its span is entered. The echo goes on the response head; the
//! completion (status, latency, access line, the OpenTelemetry span's end)
//! happens when the body ends, or when it is dropped before its end
//! (recorded as aborted).

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, Version};
use tracing::Span;

use super::grpc;
use super::resolve::Fresh;
use super::span::{
    incoming_trace, split_incoming, Completion, Ended, Incoming, Outcome, RequestSpan, SpanConfig,
};
use crate::context::export::Exporter;
use crate::context::meter::{RequestAttrs, ServerMeasure};
use crate::context::{self, Context};

/// A request's context, span, echo and completion, kept together from the
/// resolution to the end of the response body.
///
/// It lives in the request's future and then in its body, which are moved
/// whole several times before they settle on the heap: what only some
/// requests need (a span listened to, an access line) is boxed, so a
/// request nothing records moves little more than its context.
pub(crate) struct RequestScope {
    /// The request's context, current while the scope is entered.
    ctx: Context,
    /// The value echoed on the response head, under the context's header
    /// (taken once; none for a reentered scope).
    echo: Option<HeaderValue>,
    /// The span and what its completion records, when anything records
    /// (a span listened to, an access line); else the span is disabled.
    rec: Option<Box<Recording>>,
    /// The request's metrics, when its layer records them.
    measure: Option<ServerMeasure>,
    ended: Ended,
    /// Whether this is the scope's owner (opened for the request, not
    /// reentered): it echoes and completes.
    owner: bool,
    /// A gRPC call: answered with gRPC statuses, completed with its
    /// `grpc-status`.
    grpc: bool,
}

/// A recorded request's span, and its completion (until recorded).
struct Recording {
    span: Span,
    done: Option<Completion>,
}

impl RequestScope {
    /// The scope of a request resolved now (`fresh`), with its metrics
    /// (`measure`, started by a layer that records them): its incoming
    /// trace picked up, its span opened. `route` is asked only when the
    /// span or the access log will use it. The subscriber is asked for its
    /// span exporter here, once for the request: the span and the context
    /// (its log lines, outbound calls, spawned work) use that answer.
    #[inline]
    pub(crate) fn open<'r>(
        config: SpanConfig,
        measure: Option<ServerMeasure>,
        fresh: Fresh,
        headers: &HeaderMap,
        (method, uri, version): (&Method, &Uri, Version),
        route: impl FnOnce() -> Option<&'r str>,
    ) -> Self {
        let (trace, linked) =
            split_incoming(incoming_trace(headers), fresh.resolved.trace_trusted());
        let incoming = match (&trace, &linked) {
            (Some(tc), _) => Some(Incoming::Continue(tc)),
            (None, Some(tc)) => Some(Incoming::Link(tc)),
            (None, None) => None,
        };
        let grpc = grpc::is_grpc_call(method, headers);
        let grpc_path = grpc.then(|| uri.path());
        let exporter = Exporter::current();
        let rec = RequestSpan::new(
            config,
            &fresh.resolved,
            // Read once: the metrics' start has them when it ran.
            (method, || {
                measure.as_ref().map_or_else(
                    || RequestAttrs::of(method, uri, version),
                    ServerMeasure::attrs,
                )
            }),
            route,
            grpc_path,
            incoming,
            exporter.as_ref(),
        )
        .map(|RequestSpan { span, done }| {
            Box::new(Recording {
                span,
                done: Some(done),
            })
        });
        Self {
            ctx: Context::opened(fresh.resolved, exporter, trace),
            echo: Some(fresh.echo),
            rec,
            measure,
            ended: Ended::default(),
            owner: true,
            grpc,
        }
    }

    /// A scope that only makes `ctx` current again: for code below the
    /// scope's owner that was moved to a task without it (the owner keeps
    /// the span, the echo and the completion).
    pub(crate) fn reenter(ctx: Context) -> Self {
        Self {
            ctx,
            echo: None,
            rec: None,
            measure: None,
            ended: Ended::default(),
            owner: false,
            grpc: false,
        }
    }

    /// Runs `f` inside the scope: the request's context current, its span
    /// entered.
    #[inline]
    pub(crate) fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.rec {
            None => context::within(&self.ctx, f),
            Some(rec) => {
                let _entered = rec.span.enter();
                context::within(&self.ctx, f)
            }
        }
    }

    /// Takes the echo, for the response head (once): the header the ID was
    /// resolved under, and its value.
    #[inline]
    pub(crate) fn take_echo(&mut self) -> Option<(HeaderName, HeaderValue)> {
        let value = self.echo.take()?;
        let header = self.ctx.header().clone();
        Some((header, value))
    }

    /// Whether the scope has a completion to record: only its owner does.
    #[inline]
    pub(crate) fn completes(&self) -> bool {
        self.owner
    }

    /// Whether the request is a gRPC call.
    #[inline]
    pub(crate) fn is_grpc(&self) -> bool {
        self.grpc
    }

    /// Whether its completion records anything (a span listened to, an
    /// access line): else nothing waits for the body's end.
    #[inline]
    pub(crate) fn records(&self) -> bool {
        self.rec.as_ref().is_some_and(|rec| rec.done.is_some())
    }

    /// Whether the request's context keeps something until the scope ends
    /// (`BackgroundTasks` jobs, which start then): the body's end must
    /// then be waited for.
    #[inline]
    pub(crate) fn keeps(&self) -> bool {
        self.ctx.keeps_until_end()
    }

    /// The response head is ready and nothing waits for the body's end
    /// (see `body::respond`): the request's metrics are recorded now.
    #[inline]
    pub(crate) fn measure_now(&mut self, status: StatusCode) {
        ServerMeasure::end(&mut self.measure, Some(status), None);
    }

    /// The response's HTTP status, recorded at completion.
    pub(crate) fn set_status(&mut self, status: StatusCode) {
        self.ended.http = Some(status);
    }

    /// A gRPC call's `grpc-status`, recorded at completion.
    pub(crate) fn set_grpc_status(&mut self, code: u16) {
        self.ended.grpc = Some(code);
    }

    /// A gRPC call's answer head, `served` saying whether it shows the app
    /// served the call: names the span if it waited for it.
    pub(crate) fn rpc_answered(&mut self, served: bool) {
        if let Some(rec) = &mut self.rec {
            let Recording { span, done } = &mut **rec;
            if let Some(done) = done {
                done.rpc_answered(span, served);
            }
        }
    }

    /// Records how the request ended, inside the scope (so the access line
    /// carries the request's IDs), then closes the span.
    #[inline]
    pub(crate) fn complete(&mut self, outcome: Outcome) {
        ServerMeasure::end(&mut self.measure, self.ended.http, outcome.label());
        if self.records() {
            self.run_then_complete(|_| ((), Some(outcome)));
        }
    }

    /// Runs `f` inside the scope (with the statuses recorded so far, which
    /// it may add to: a gRPC call's trailers) and, when it says how the
    /// request ended, completes the request there: the body's last poll and
    /// the completion share one entry into the span and the context.
    #[inline]
    pub(crate) fn run_then_complete<R>(
        &mut self,
        f: impl FnOnce(&mut Ended) -> (R, Option<Outcome>),
    ) -> R {
        let Self {
            ctx,
            rec,
            ended,
            measure,
            ..
        } = self;
        let finish = |ended: &mut Ended, measure: &mut Option<ServerMeasure>| {
            let (result, outcome) = f(ended);
            if let Some(outcome) = outcome {
                ServerMeasure::end(measure, ended.http, outcome.label());
            }
            (result, outcome)
        };
        match rec {
            None => context::within(ctx, || finish(ended, measure).0),
            Some(rec) => {
                let Recording { span, done } = &mut **rec;
                let _entered = span.enter();
                context::within(ctx, || {
                    let (result, outcome) = finish(ended, measure);
                    if let Some(outcome) = outcome {
                        if let Some(done) = done.take() {
                            done.complete(span, *ended, outcome);
                        }
                    }
                    result
                })
            }
        }
    }
}

impl Drop for RequestScope {
    /// Dropped before its completion: the response was never sent, or its
    /// body not to its end (the client went away).
    fn drop(&mut self) {
        // Most scopes end with nothing left to record (ended at the
        // response head, or reentered): checked here, without a call.
        if self.measure.is_some() || self.records() {
            self.complete(Outcome::Aborted);
        }
    }
}
