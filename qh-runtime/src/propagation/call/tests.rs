//! Unit tests of [`OutboundCall`]: its headers and IDs in and outside a
//! request, and the URL its span reports.

use super::*;
use crate::context::Context;
use crate::trace_context::{TraceParent, TRACEPARENT};

#[test]
fn each_call_names_a_span_of_its_own() {
    let uri: Uri = "http://b.internal:4000/stock?x=1".parse().unwrap();
    let (a, b, tc) = Context::new(RequestId::from_static("r-1")).sync_scope(|| {
        let a = OutboundCall::start(&Method::GET, &uri);
        let b = OutboundCall::start(&Method::GET, &uri);
        (
            a.headers().clone(),
            b.headers().clone(),
            TraceContext::current().unwrap(),
        )
    });
    let a = TraceParent::from_header_value(&a[TRACEPARENT]).unwrap();
    let b = TraceParent::from_header_value(&b[TRACEPARENT]).unwrap();
    assert_eq!(a.trace_id, tc.trace_id());
    assert_eq!(b.trace_id, tc.trace_id());
    assert_ne!(a.parent_id, b.parent_id);
    assert_ne!(a.parent_id, tc.span_id());
}

#[test]
fn outside_a_request_a_call_carries_nothing() {
    let call = OutboundCall::start(&Method::GET, &Uri::from_static("http://a/"));
    assert!(call.headers().is_empty());
    assert!(call.ids().is_none());
    call.end(StatusCode::OK);
}

#[test]
fn the_url_keeps_no_query_and_no_credentials() {
    let uri: Uri = "https://user:pw@[::1]:8443/a/b?token=s#f".parse().unwrap();
    let target = Target::of_uri(&uri);
    assert_eq!(target.url(), "https://[::1]:8443/a/b");
    assert_eq!(target.address(), "::1");
    assert_eq!(target.port(), 8443);
    let uri = Uri::from_static("https://example.com/");
    assert_eq!(Target::of_uri(&uri).port(), 443);
}
