//! Two services, one story: a request to service A calls service B through
//! B's typed client, and the ID and the trace ID are the same in A's
//! response, in B's handler and in both services' log lines.
//!
//! ```text
//! cargo run --example two_services --features client
//! RUST_LOG="warn,two_services=info" cargo run --example two_services --features client
//! ```
//!
//! Both services listen on 127.0.0.1 (ephemeral ports) in this one process;
//! A calls B with `b::stock::call(&client, item)`: B's endpoint function,
//! called as a function, with no URL, method or JSON written by hand. The
//! `qh::client::Client` has `qh::propagation::Propagate` in its stack,
//! which makes each call a client span of its own and adds
//! `X-Request-ID`, `traceparent` (naming that span: B's `parent_span_id`)
//! and `tracestate`. Logs are `qh::logs` JSON lines on stdout, between the
//! transcript's lines.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use serde_json::Value;

/// Service B: answers what it saw of the request.
pub mod b {
    use qh::trace_context::TraceContext;
    use qh::RequestId;
    use serde_json::{json, Value};

    /// `GET /stock/{item}`.
    #[qh::endpoint(method = "GET", path = "/stock/{item}")]
    pub fn stock(item: String, request_id: RequestId) -> Value {
        tracing::info!(%item, "B: checking stock");
        let trace = TraceContext::current();
        json!({
            "service": "B",
            "item": item,
            "in_stock": 3,
            "request_id": request_id,
            "trace_id": trace.as_ref().map(|t| t.trace_id().to_string()),
            "parent_span_id": trace.and_then(|t| t.parent_id()).map(|s| s.to_string()),
        })
    }

    /// B's router.
    pub fn app() -> axum::Router {
        super::tracked(qh::routes![stock])
    }
}

/// Service A: calls B for every order.
pub mod a {
    use axum::http::StatusCode;
    use axum::Extension;
    use qh::client::Client;
    use qh::trace_context::TraceContext;
    use qh::RequestId;
    use serde_json::{json, Value};

    /// `GET /order/{item}`: asks B, answers with what both saw.
    #[qh::endpoint(method = "GET", path = "/order/{item}")]
    pub async fn order(
        item: String,
        request_id: RequestId,
        #[extract] b: Extension<Client>,
    ) -> Result<Value, qh::Error> {
        tracing::info!(%item, "A: calling B");
        // B's function, called through its typed client: the path, the
        // method and the answer's type are B's own.
        let from_b = super::b::stock::call(&b, item).await.map_err(|e| {
            tracing::warn!(error = %e, "A: B unavailable");
            qh::Error::new(StatusCode::BAD_GATEWAY, "stock service unavailable")
        })?;
        tracing::info!(in_stock = from_b["in_stock"].as_u64(), "A: B answered");
        let trace = TraceContext::current();
        Ok(json!({
            "service": "A",
            "request_id": request_id,
            "trace_id": trace.as_ref().map(|t| t.trace_id().to_string()),
            "span_id": trace.map(|t| t.span_id().to_string()),
            "from_b": from_b,
        }))
    }

    /// A's router, calling B at `base_url`.
    ///
    /// # Errors
    ///
    /// When `base_url` is not a URL a client can call.
    pub fn app(base_url: &str) -> Result<axum::Router, qh::client::BuildError> {
        let b = Client::builder(base_url)
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(super::tracked(qh::routes![order]).layer(Extension(b)))
    }
}

/// The `Tracking` layer: it resolves the ID and keeps the incoming trace
/// context, which typed calls (through `Propagate`) carry on.
pub fn tracked(router: Router) -> Router {
    router.layer(qh::Tracking::new())
}

/// Serves `app` on 127.0.0.1 on a port the OS picks.
pub async fn serve(app: Router) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "server stopped");
        }
    });
    Ok(addr)
}

/// Starts B, then A calling B; returns A's address.
pub async fn start() -> Result<SocketAddr, Box<dyn std::error::Error>> {
    let b = serve(b::app()).await?;
    Ok(serve(a::app(&format!("http://{b}"))?).await?)
}

/// One call to A from outside, as a user would make it: the response's
/// `X-Request-ID` and JSON body.
pub async fn call_a(
    a: SocketAddr,
    item: &str,
    headers: &[(&str, &str)],
) -> Result<(String, Value), Box<dyn std::error::Error>> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let mut req = client.get(format!("http://{a}/order/{item}"));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await?;
    let id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = serde_json::from_str(&res.text().await?)?;
    Ok((id, body))
}

#[allow(dead_code)] // the test includes this file and has its own main
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    qh::logs::json()
        .default_filter("warn,two_services=info")
        .format(qh::logs::JsonFormat::new().spans(false))
        .init();
    let a = start().await?;
    println!("service A on {a}; it calls service B\n");

    let cases: [(&str, &[(&str, &str)]); 3] = [
        ("with an ID", &[("x-request-id", "demo-123")]),
        ("without an ID", &[]),
        (
            "with a caller's traceparent",
            &[(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            )],
        ),
    ];
    for (what, headers) in cases {
        println!("--> GET /order/apple {what} {headers:?}");
        let (id, body) = call_a(a, "apple", headers).await?;
        let s = |v: &Value| v.as_str().unwrap_or("-").to_owned();
        let b = &body["from_b"];
        println!("<-- x-request-id: {id}");
        println!(
            "    A: request_id={} trace_id={} span_id={}",
            s(&body["request_id"]),
            s(&body["trace_id"]),
            s(&body["span_id"])
        );
        println!(
            "    B: request_id={} trace_id={} parent_span_id={}\n",
            s(&b["request_id"]),
            s(&b["trace_id"]),
            s(&b["parent_span_id"])
        );
    }
    Ok(())
}
