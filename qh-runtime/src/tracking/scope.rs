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
use super::semconv::Protocol;
use super::span::{
    incoming_trace, split_incoming, Completion, Ended, Incoming, Outcome, RequestSpan, SpanConfig,
};
use crate::context::export::Exporter;
use crate::context::meter::{Meters, ServerMeasure};
use crate::context::shutdown::Shutdown;
use crate::context::{self, Context};

/// A request's context, span, echo and completion, kept together from the
/// resolution to the end of the response body.
pub(crate) struct RequestScope {
    /// The request's context while the scope is not entered.
    ctx: Option<Context>,
    span: Span,
    /// Recorded once, when the body ends (or is dropped).
    done: Option<Completion>,
    echo: Option<(HeaderName, HeaderValue)>,
    /// A gRPC call: answered with gRPC statuses, completed with its
    /// `grpc-status`.
    grpc: bool,
    ended: Ended,
    /// The request's metrics, when its layer records them.
    measure: Option<ServerMeasure>,
}

impl RequestScope {
    /// The scope of a request resolved now (`fresh`), belonging to the
    /// app's `shutdown` if it has one: its incoming trace picked up, its
    /// span opened. `route` is asked only when the span or the access log
    /// will use it. The subscriber is asked for its span exporter here,
    /// once for the request: the span and the context (its log lines,
    /// outbound calls, spawned work) use that answer.
    pub(crate) fn open<'r>(
        (config, shutdown, meters): (SpanConfig, Option<Shutdown>, Option<&Meters>),
        fresh: Fresh,
        headers: &HeaderMap,
        (method, uri, version): (&Method, &Uri, Version),
        route: impl FnOnce() -> Option<&'r str>,
    ) -> Self {
        // Metrics need the route whatever else does: asked once, here.
        let mut route = Some(route);
        let mut known = None;
        let measure = meters.map(|meters| {
            let r = route.take().and_then(|f| f());
            known = Some(r);
            let https = uri.scheme_str() == Some("https");
            ServerMeasure::start(meters, method, https, version, r)
        });
        let route = move || match known {
            Some(r) => r,
            None => route.take().and_then(|f| f()),
        };
        let (trace, linked) =
            split_incoming(incoming_trace(headers), fresh.resolved.trace_trusted());
        let incoming = match (&trace, &linked) {
            (Some(tc), _) => Some(Incoming::Continue(tc)),
            (None, Some(tc)) => Some(Incoming::Link(tc)),
            (None, None) => None,
        };
        let grpc = grpc::is_grpc(headers);
        let grpc_path = grpc.then(|| uri.path());
        let exporter = Exporter::current();
        let RequestSpan { span, done } = RequestSpan::new(
            config,
            &fresh.resolved,
            (method, Protocol::of(uri, version)),
            route,
            grpc_path,
            incoming,
            exporter.as_ref(),
        );
        let echo = (fresh.resolved.header().clone(), fresh.echo);
        Self {
            ctx: Some(
                Context::opened(fresh.resolved, exporter)
                    .with_incoming_trace(trace)
                    .with_shutdown(shutdown)
                    .with_meters(meters.cloned()),
            ),
            span,
            done: Some(done),
            echo: Some(echo),
            grpc,
            ended: Ended::default(),
            measure,
        }
    }

    /// A scope that only makes `ctx` current again: for code below the
    /// scope's owner that was moved to a task without it (the owner keeps
    /// the span, the echo and the completion).
    pub(crate) fn reenter(ctx: Context) -> Self {
        Self {
            ctx: Some(ctx),
            span: Span::none(),
            done: None,
            echo: None,
            grpc: false,
            ended: Ended::default(),
            measure: None,
        }
    }

    /// Runs `f` inside the scope: the request's context current, its span
    /// entered.
    #[inline]
    pub(crate) fn run<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let _entered = self.span.enter();
        context::within(&mut self.ctx, f)
    }

    /// Takes the echo, for the response head (once).
    pub(crate) fn take_echo(&mut self) -> Option<(HeaderName, HeaderValue)> {
        self.echo.take()
    }

    /// Whether the scope has a completion to record: only its owner does.
    pub(crate) fn completes(&self) -> bool {
        self.done.is_some()
    }

    /// Whether the request is a gRPC call.
    pub(crate) fn is_grpc(&self) -> bool {
        self.grpc
    }

    /// Whether its completion records anything (a span listened to, an
    /// access line): else nothing waits for the body's end.
    pub(crate) fn records(&self) -> bool {
        self.done.as_ref().is_some_and(Completion::records)
    }

    /// Whether the request's context keeps something until the scope ends
    /// (`BackgroundTasks` jobs, which start then): the body's end must
    /// then be waited for.
    pub(crate) fn keeps(&self) -> bool {
        self.ctx.as_ref().is_some_and(Context::keeps_until_end)
    }

    /// The response head is ready and nothing waits for the body's end
    /// (see `body::respond`): the request's metrics are recorded now.
    pub(crate) fn measure_now(&mut self, status: StatusCode) {
        if let Some(measure) = self.measure.take() {
            measure.end(Some(status), None);
        }
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
        if let Some(done) = &mut self.done {
            done.rpc_answered(&self.span, served);
        }
    }

    /// Records how the request ended, inside the scope (so the access line
    /// carries the request's IDs), then closes the span.
    pub(crate) fn complete(&mut self, outcome: Outcome) {
        if let Some(measure) = self.measure.take() {
            measure.end(self.ended.http, outcome.label());
        }
        if !self.records() {
            self.done = None;
            return;
        }
        self.run_then_complete(|_| ((), Some(outcome)));
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
            span,
            done,
            ended,
            measure,
            ..
        } = self;
        let _entered = span.enter();
        context::within(ctx, || {
            let (result, outcome) = f(ended);
            if let Some(outcome) = outcome {
                if let Some(measure) = measure.take() {
                    measure.end(ended.http, outcome.label());
                }
                match done.take() {
                    Some(done) if done.records() => done.complete(span, *ended, outcome),
                    _ => {}
                }
            }
            result
        })
    }
}

impl Drop for RequestScope {
    /// Dropped before its completion: the response was never sent, or its
    /// body not to its end (the client went away).
    fn drop(&mut self) {
        self.complete(Outcome::Aborted);
    }
}
