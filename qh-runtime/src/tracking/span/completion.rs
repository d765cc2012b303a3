//! What a request's span records when its response ends: the status,
//! the latency and how the body ended, a gRPC call's late name, and the
//! access-log line.

use std::time::Instant;

use http::{Method, StatusCode};
use tracing::field::{Field, FieldSet};
use tracing::Span;

use crate::context::export::Exporter;
use crate::id::RequestId;
use crate::support::text::{cut, ECHO_LIMIT};
use crate::tracking::grpc::{self, Rpc};
use crate::tracking::semconv;

/// How a request's response ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The body was sent to its end.
    Ended,
    /// The body was dropped before its end: the client went away (or a
    /// layer above gave up on the response).
    Aborted,
    /// The body failed (an error frame, or a panic while it was polled).
    Failed,
}

impl Outcome {
    /// The span's and access line's `outcome`; a response sent to its end
    /// records none.
    pub(crate) fn label(self) -> Option<&'static str> {
        match self {
            Self::Ended => None,
            Self::Aborted => Some("aborted"),
            Self::Failed => Some("failed"),
        }
    }
}

/// The statuses a request ended with: the HTTP one, and for a gRPC call
/// its `grpc-status`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Ended {
    pub(crate) http: Option<StatusCode>,
    pub(crate) grpc: Option<u16>,
}

/// What is recorded when the response ends.
pub(crate) struct Completion {
    /// When the request started (a span or an access line records its
    /// latency).
    pub(super) started: Instant,
    pub(super) access: Option<Box<Access>>,
    /// The span is exported: its status is recorded the exporter's way too.
    pub(super) exported: bool,
    /// A gRPC call whose name waits for the answer (see `grpc`).
    pub(super) rpc: Option<Box<PendingRpc>>,
}

/// A gRPC call not yet known to be served: its path, whether
/// `rpc.service` is already recorded (the route was the service's), and
/// the exporter that renames its exported span once the answer names it.
pub(super) struct PendingRpc {
    pub(super) path: Box<str>,
    pub(super) service_recorded: bool,
    pub(super) exporter: Option<Exporter>,
}

/// The access-log event's fields, kept only when it is on.
pub(super) struct Access {
    pub(super) id: RequestId,
    pub(super) method: Method,
    pub(super) route: Option<Box<str>>,
}

impl Completion {
    /// A gRPC call's answer head: whether it shows the app served the
    /// call ([`grpc::answer_serves`]). Names a span still waiting for it:
    /// after its method when served, else with the shared name.
    pub(crate) fn rpc_answered(&mut self, span: &Span, served: bool) {
        let Some(pending) = self.rpc.take() else {
            return;
        };
        let rpc = served.then(|| Rpc::from_path(&pending.path)).flatten();
        let name = match rpc {
            Some(rpc) => {
                if !pending.service_recorded {
                    span.record("rpc.service", rpc.service);
                }
                span.record("rpc.method", rpc.method);
                rpc.name
            }
            None => grpc::UNKNOWN_NAME,
        };
        span.record("otel.name", name);
        // The exported span has started (its name was read then): it is
        // renamed through the exporter.
        if let Some(exporter) = &pending.exporter {
            exporter.rename(span, name);
        }
    }

    /// Records how the request ended on `span` (its status, its latency up
    /// to the body's end, and an `outcome` when the body did not end
    /// normally), and logs the access event when it is on.
    pub(crate) fn complete(mut self, span: &Span, status: Ended, outcome: Outcome) {
        let Ended { http: status, grpc } = status;
        // No answer head was seen (the client left first, the service
        // failed): nothing showed the call served.
        self.rpc_answered(span, false);
        let latency_ms = self.started.elapsed().as_secs_f64() * 1_000.0;
        let label = outcome.label();
        if let Some(meta) = span.metadata() {
            // One `record` for every field (see `request_span!`).
            let fields = meta.fields();
            let (status_field, latency_field, outcome_field) = (
                field_at(fields, 4, "status"),
                field_at(fields, 5, "latency_ms"),
                field_at(fields, 6, "outcome"),
            );
            if let (Some(s), Some(l), Some(o)) = (&status_field, &latency_field, &outcome_field) {
                let status = status.map(|s| s.as_u16());
                span.record_all(&fields.value_set(&[
                    (s, status.as_ref().map(|s| s as &dyn tracing::Value)),
                    (l, Some(&latency_ms as &dyn tracing::Value)),
                    (o, label.as_ref().map(|l| l as &dyn tracing::Value)),
                ]));
            }
            if let (true, Some(status)) = (self.exported, status) {
                semconv::record_status(span, status.as_u16());
            }
            if let Some(code) = grpc {
                span.record("rpc.grpc.status_code", code);
                if grpc::is_server_error(code) {
                    span.record("otel.status_code", "error");
                }
            }
        }
        if let Some(access) = self.access {
            // A root event: the line carries every field itself, so a
            // formatter does not write the request span's again beside them
            // (the request's context, current here, still gives qh::logs
            // lines their IDs).
            tracing::info!(
                target: "qh::access",
                parent: None,
                request_id = access.id.as_str(),
                method = &*cut(access.method.as_str(), ECHO_LIMIT),
                route = access.route.as_deref(),
                status = status.map(|s| s.as_u16()),
                grpc_status = grpc,
                latency_ms,
                outcome = label,
                message = "request completed",
            );
        }
    }
}

/// The field `name` of a span: at `at`, where `request_span!` puts it
/// (its name checked), else looked up by name.
fn field_at(fields: &FieldSet, at: usize, name: &str) -> Option<Field> {
    (fields.iter().nth(at))
        .filter(|field| field.name() == name)
        .or_else(|| fields.field(name))
}

#[cfg(test)]
pub(super) mod tests {
    use tracing::field::Empty;

    use super::*;

    /// `check` on the fields of a span made by `make` under a registry
    /// (a span nothing listens to has no metadata to read).
    pub(in crate::tracking::span) fn with_fields(
        make: impl FnOnce() -> Span,
        check: impl FnOnce(&FieldSet),
    ) {
        tracing::subscriber::with_default(tracing_subscriber::registry(), || {
            let span = make();
            check(
                span.metadata()
                    .expect("a registry enables the span")
                    .fields(),
            );
        });
    }

    #[test]
    fn a_field_elsewhere_is_found_by_name() {
        with_fields(
            || tracing::info_span!("s", latency_ms = Empty, status = Empty, a = 1, b = 2, c = 3),
            |fields| {
                // Not at 4 (`c` is): found where it is.
                let status = field_at(fields, 4, "status").unwrap();
                assert_eq!(status.name(), "status");
                assert_eq!(Some(status), fields.field("status"));
                // At 0 as asked.
                assert_eq!(
                    field_at(fields, 0, "latency_ms"),
                    fields.field("latency_ms")
                );
                // Past the end, and absent.
                assert_eq!(field_at(fields, 9, "a"), fields.field("a"));
                assert_eq!(field_at(fields, 2, "outcome"), None);
            },
        );
    }
}
