//! gRPC (the cargo feature `grpc`, tonic 0.14): the outbound half.
//!
//! The inbound half needs no feature: [`Tracking`](crate::Tracking) serves
//! tonic services as it serves axum routers, with tonic's
//! `Server::builder().layer(qh::Tracking::new())` or under one layer beside
//! HTTP routes (`tonic::service::Routes::into_axum_router()`). For a gRPC
//! call (`content-type: application/grpc…`) the ID comes from the
//! `x-request-id` metadata (the configured header, with the same validation
//! and trust rules) and is echoed in the response metadata;
//! `qh::request_id()` and the context hold in the service method and in a
//! streaming response; the request span is named for the method
//! (`package.Service/Method`, with `rpc.system`, `rpc.service`,
//! `rpc.method`) once the app is known to serve it: from the matched route,
//! or, with tonic's `/{service}/{*rest}` routes and tonic's own server, from
//! the answer (anything but `UNIMPLEMENTED`, which tonic answers for a
//! service or method it does not have). Calls to anything else share the
//! span name `grpc`, with no `rpc.method` and the path recorded nowhere, so
//! clients cannot mint span names. The span completes with the call's
//! `grpc-status` (read from the trailers); and every answer qh makes
//! itself is a gRPC status, never a problem document: a panic in a method
//! answers `INTERNAL` (trailers-only, `grpc-status: 13`) with the ID in
//! its metadata, and the server keeps serving.
//!
//! Outbound, [`Propagate`] is a tonic client interceptor that sends the
//! current request's ID and `traceparent`, so an HTTP endpoint calling a
//! gRPC service passes on one ID and one trace:
//!
//! ```
//! use tonic::service::interceptor::InterceptedService;
//!
//! // What a generated client's `with_interceptor(channel, qh::grpc::Propagate)`
//! // builds: every call made through it carries the current request's ID.
//! fn with_ids<C>(channel: C) -> InterceptedService<C, qh::grpc::Propagate> {
//!     InterceptedService::new(channel, qh::grpc::Propagate)
//! }
//! ```

use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue};
use tonic::service::Interceptor;
use tonic::{Request, Status};

/// A tonic client interceptor adding what an outbound call carries from
/// the current request ([`qh::propagation::headers`](crate::propagation::headers)):
/// its ID under the header it was resolved under, `traceparent` and
/// `tracestate`, and the headers of extracted `TrackingContext`s. Outside a
/// request it adds nothing.
///
/// `MyServiceClient::with_interceptor(channel, qh::grpc::Propagate)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Propagate;

impl Interceptor for Propagate {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        let metadata = request.metadata_mut();
        let mut last = None;
        for (name, value) in crate::propagation::headers() {
            // `HeaderMap`'s iterator names only the first of repeated values.
            let name = match name {
                Some(name) => last.insert(name),
                None => match &last {
                    Some(name) => name,
                    None => continue,
                },
            };
            let (Ok(key), Ok(value)) = (
                AsciiMetadataKey::from_bytes(name.as_str().as_bytes()),
                AsciiMetadataValue::try_from(value.as_bytes()),
            ) else {
                continue;
            };
            metadata.append(key, value);
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use crate::id::RequestId;

    #[test]
    fn the_current_id_and_trace_go_out_as_metadata() {
        let out = Context::new(RequestId::from_static("grpc-out-1"))
            .sync_scope(|| Propagate.call(Request::new(())).unwrap());
        let metadata = out.metadata();
        assert_eq!(metadata.get("x-request-id").unwrap(), "grpc-out-1");
        assert!(metadata.get("traceparent").is_some());
    }

    #[test]
    fn outside_a_request_nothing_is_added() {
        let out = Propagate.call(Request::new(())).unwrap();
        assert!(out.metadata().is_empty());
    }
}
