//! `examples/two_services.rs`, run and checked: service A calls service B on
//! 127.0.0.1 through `qh::propagation::Propagate`; A's response, B's handler
//! and both services' log lines agree on the request ID and the trace ID.

use serde_json::Value;

#[path = "../examples/two_services.rs"]
mod example;

mod common;

use common::capture::Capture;

/// What one call showed: the echoed ID, A's and B's views, the log lines.
struct Flow {
    echoed: String,
    a: Value,
    b: Value,
    logs: Vec<Value>,
}

impl Flow {
    /// Asserts everything tells one story, and returns the trace ID.
    fn assert_one_story(&self, id: &str) -> String {
        assert_eq!(self.echoed, id);
        assert_eq!(self.a["request_id"], id);
        assert_eq!(self.b["request_id"], id, "B's handler saw another ID");
        let trace = self.a["trace_id"].as_str().unwrap().to_owned();
        assert_eq!(trace.len(), 32);
        assert_eq!(self.b["trace_id"], trace.as_str(), "B is on another trace");
        // B's parent is the client span of A's call, a span of its own in
        // A's trace: not A's request span.
        let parent = self.b["parent_span_id"].as_str().unwrap();
        assert_eq!(parent.len(), 16);
        assert_ne!(parent, self.a["span_id"], "B's parent is A's call's span");
        let messages: Vec<_> = self
            .logs
            .iter()
            .map(|l| l["fields"]["message"].as_str().unwrap())
            .collect();
        assert_eq!(
            messages,
            ["A: calling B", "B: checking stock", "A: B answered"]
        );
        for line in &self.logs {
            assert_eq!(line["request_id"], id, "{line}");
            assert_eq!(line["trace_id"], trace.as_str(), "{line}");
        }
        assert_eq!(self.logs[0]["span_id"], self.a["span_id"]);
        assert_ne!(
            self.logs[1]["span_id"], self.a["span_id"],
            "B has its own span"
        );
        trace
    }
}

async fn flow(a: std::net::SocketAddr, logs: &Capture, headers: &[(&str, &str)]) -> Flow {
    logs.take();
    let (echoed, body) = example::call_a(a, "apple", headers).await.unwrap();
    Flow {
        echoed,
        b: body["from_b"].clone(),
        a: body,
        logs: logs.take(),
    }
}

#[tokio::test]
async fn a_and_b_tell_one_story() {
    let logs = Capture::default();
    let writer = logs.clone();
    qh::logs::json()
        .filter("warn,id_two_services=info")
        .writer(move || writer.clone())
        .init();
    let a = example::start().await.unwrap();

    // The client's ID travels A → B.
    let with_id = flow(a, &logs, &[("x-request-id", "demo-123")]).await;
    let trace1 = with_id.assert_one_story("demo-123");

    // No ID: A generates one, B receives that same one.
    let without = flow(a, &logs, &[]).await;
    assert!(!without.echoed.is_empty() && without.echoed != "demo-123");
    let trace2 = without.assert_one_story(&without.echoed.clone());
    assert_ne!(trace1, trace2, "a new request starts a new trace");

    // A caller's traceparent is continued by A and then B.
    let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let continued = flow(a, &logs, &[("traceparent", incoming)]).await;
    let trace3 = continued.assert_one_story(&continued.echoed.clone());
    assert_eq!(trace3, "4bf92f3577b34da6a3ce929d0e0e4736");

    // An invalid one is not: a new trace, never echoed to B.
    let bad = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
    let fresh = flow(a, &logs, &[("traceparent", bad)]).await;
    let trace4 = fresh.assert_one_story(&fresh.echoed.clone());
    assert_ne!(
        trace4.to_ascii_uppercase(),
        "4BF92F3577B34DA6A3CE929D0E0E4736"
    );
}

/// A server on 127.0.0.1 answering with the headers it received.
async fn echo_server() -> std::net::SocketAddr {
    async fn echo(headers: axum::http::HeaderMap) -> axum::Json<Value> {
        let map = headers
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(v.to_str().unwrap_or("?"))))
            .collect();
        axum::Json(Value::Object(map))
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/", axum::routing::get(echo));
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// The context of a request whose ID `id` came under `X-Correlation-ID`
/// (a context's header is its request's resolution's), kept to run the
/// checks below in, as a job that outlives its request would.
async fn context_under_correlation_id(id: &'static str) -> qh::context::Context {
    use std::sync::{Arc, Mutex};

    let kept = Arc::new(Mutex::new(None));
    let keep = kept.clone();
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::get(move || {
                let keep = keep.clone();
                async move {
                    *keep.lock().unwrap() = qh::context::Context::current();
                }
            }),
        )
        .layer(qh::Tracking::new().header("X-Correlation-ID"));
    let req = axum::http::Request::get("/")
        .header("x-correlation-id", id)
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(app, req).await.unwrap();
    assert_eq!(res.headers()["x-correlation-id"], id);
    let ctx = kept.lock().unwrap().take().expect("the handler ran");
    assert_eq!(ctx.header().as_str(), "x-correlation-id");
    ctx
}

async fn received(req: reqwest::RequestBuilder) -> Value {
    serde_json::from_str(&req.send().await.unwrap().text().await.unwrap()).unwrap()
}

#[tokio::test]
async fn middleware_and_extension_trait_details() {
    use qh::propagation::PropagateExt;

    let url = format!("http://{}/", echo_server().await);
    let plain = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();
    let with_mw = qh::propagation::Propagate::client(plain.clone());
    let mw_received = |req: reqwest_middleware::RequestBuilder| async move {
        let text = req.send().await.unwrap().text().await.unwrap();
        serde_json::from_str::<Value>(&text).unwrap()
    };

    // Outside a request nothing is added.
    let got = mw_received(with_mw.get(&url)).await;
    assert!(got.get("x-request-id").is_none() && got.get("traceparent").is_none());

    let mut incoming = axum::http::HeaderMap::new();
    incoming.insert("tracestate", "rojo=00f067aa0ba902b7".parse().unwrap());
    incoming.insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            .parse()
            .unwrap(),
    );
    context_under_correlation_id("ctx-1")
        .await
        .scope(async {
            qh::propagation::enter(&incoming);

            // The middleware: ID under its header, trace headers, and the
            // caller's own header left alone.
            let got = mw_received(with_mw.get(&url).header("tracestate", "mine=1")).await;
            assert_eq!(got["x-correlation-id"], "ctx-1");
            assert!(got.get("x-request-id").is_none());
            let tp = got["traceparent"].as_str().unwrap();
            assert!(
                tp.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
                "{tp}"
            );
            assert!(
                !tp.contains("00f067aa0ba902b7"),
                "our span is the parent: {tp}"
            );
            assert_eq!(got["tracestate"], "mine=1");

            // `.propagate()` on a plain reqwest builder, from spawned work.
            let url = url.clone();
            let got = qh::spawn(async move { received(plain.get(&url).propagate()).await })
                .await
                .unwrap();
            assert_eq!(got["x-correlation-id"], "ctx-1");
            assert_eq!(got["tracestate"], "rojo=00f067aa0ba902b7");
            // A builder makes no client span: the request's span is the
            // parent; the middleware's call named a span of its own.
            let ours = qh::trace_context::TraceContext::current().unwrap();
            let built = got["traceparent"].as_str().unwrap();
            assert_eq!(
                built,
                format!("00-4bf92f3577b34da6a3ce929d0e0e4736-{}-01", ours.span_id())
            );
            assert_ne!(built, tp);
        })
        .await;
}

#[derive(qh::TrackingContext, Clone, Debug)]
struct Caller {
    request_id: qh::RequestId,
    #[header("X-Tenant")]
    tenant: String,
    #[header("X-User-ID")]
    user_id: Option<String>,
}

/// Extracting a derived `TrackingContext` registers its headers: an
/// outbound call through the reqwest integration carries them, with no
/// `to_headers()` in the handler (the README's promise), end to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_derived_context_s_headers_go_out_on_calls_through_the_integration() {
    let url = format!("http://{}/", echo_server().await);
    let client = qh::propagation::Propagate::client(reqwest::Client::new());
    let app = axum::Router::new()
        .route(
            "/call",
            axum::routing::get(move |caller: Caller| {
                let (client, url) = (client.clone(), url.clone());
                async move {
                    assert_eq!(caller.tenant, "acme");
                    let sent = client.get(&url).send().await.unwrap();
                    axum::Json(serde_json::from_str::<Value>(&sent.text().await.unwrap()).unwrap())
                }
            }),
        )
        .layer(qh::Tracking::new());
    let req = axum::http::Request::get("/call")
        .header("x-request-id", "out-1")
        .header("x-tenant", "acme")
        .header("x-user-id", "u-7")
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(app, req).await.unwrap();
    assert_eq!(res.status(), 200);
    let body = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    let got: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(got["x-request-id"], "out-1", "{got}");
    assert_eq!(got["x-tenant"], "acme", "{got}");
    assert_eq!(got["x-user-id"], "u-7", "{got}");
}
