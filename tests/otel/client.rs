//! Two services on 127.0.0.1, B's endpoint calling A's through A's typed
//! client, set up the quickstart's way (`qh::otel::init()`: JSON logs and
//! OTLP export) in a process of their own: one request ID and one trace in
//! both services' log lines and in both services' exported spans.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::Span;

use crate::export::{hex, receiver, string_attr};

const ID: &str = "two-services-1";

/// Service A.
pub mod a {
    /// `GET /stock/{item}`.
    #[qh::endpoint(method = "GET", path = "/stock/{item}")]
    pub fn stock(item: String) -> u32 {
        tracing::info!(%item, "A: checking stock");
        3
    }
}

/// Service B, calling A.
pub mod b {
    use axum::http::StatusCode;
    use axum::Extension;

    /// `GET /order/{item}`: asks A.
    #[qh::endpoint(method = "GET", path = "/order/{item}")]
    pub async fn order(
        item: String,
        #[extract] a: Extension<qh::client::Client>,
    ) -> Result<u32, qh::Error> {
        tracing::info!(%item, "B: calling A");
        let stock = super::a::stock::call(&a, item)
            .await
            .map_err(|e| qh::Error::new(StatusCode::BAD_GATEWAY, e.to_string()))?;
        tracing::info!(stock, "B: A answered");
        Ok(stock)
    }
}

async fn serve(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Not a test of its own: `one_id_and_one_trace_across_the_typed_call`
/// runs it in a child process, with the OTLP endpoint in its environment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run in a child process by one_id_and_one_trace_across_the_typed_call"]
async fn two_services_child() {
    if std::env::var("QH_OTEL_CHILD").as_deref() != Ok("client") {
        eprintln!("run by one_id_and_one_trace_across_the_typed_call in a child process");
        return;
    }
    let guard = qh::otel::init();
    let a = serve(qh::routes![a::stock].layer(qh::Tracking::new())).await;
    let client = qh::client::Client::new(&format!("http://{a}")).unwrap();
    let b = serve(
        qh::routes![b::order]
            .layer(axum::Extension(client))
            .layer(qh::Tracking::new()),
    )
    .await;
    let res = reqwest::Client::new()
        .get(format!("http://{b}/order/apple"))
        .header("x-request-id", ID)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-request-id"], ID);
    assert_eq!(res.text().await.unwrap(), "3");
    tokio::task::spawn_blocking(move || {
        guard.flush().expect("flush reaches the receiver");
        drop(guard);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_id_and_one_trace_across_the_typed_call() {
    let (endpoint, mut received) = receiver().await;
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "client::two_services_child",
            "--ignored",
            "--test-threads=1",
        ])
        .env_remove("OTEL_RESOURCE_ATTRIBUTES")
        .env("RUST_LOG", "info")
        .env("QH_OTEL_CHILD", "client")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
        .env("OTEL_SERVICE_NAME", "qh-two-services");
    let out = tokio::task::spawn_blocking(move || command.output().unwrap());
    let out = tokio::time::timeout(Duration::from_secs(60), out)
        .await
        .expect("the child process ends within 60 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Both services' server spans, whatever else was exported.
    let mut spans: Vec<Span> = Vec::new();
    let server = |spans: &[Span], name: &str| {
        spans
            .iter()
            .find(|s| s.name == name && s.kind == SpanKind::Server as i32)
            .cloned()
    };
    while server(&spans, "GET /order/{item}").is_none()
        || server(&spans, "GET /stock/{item}").is_none()
    {
        let request = tokio::time::timeout(Duration::from_secs(30), received.recv())
            .await
            .expect("the receiver got both services' spans within 30 s")
            .unwrap();
        for resource_spans in request.resource_spans {
            spans.extend(resource_spans.scope_spans.into_iter().flat_map(|s| s.spans));
        }
    }
    let b = server(&spans, "GET /order/{item}").unwrap();
    let a = server(&spans, "GET /stock/{item}").unwrap();
    let trace = hex(&b.trace_id);
    assert_eq!(hex(&a.trace_id), trace, "A's span is on B's trace");
    assert_eq!(string_attr(&b.attributes, "request_id"), Some(ID));
    assert_eq!(string_attr(&a.attributes, "request_id"), Some(ID));
    // A's span descends from B's: its parent is B's server span, or a span
    // B exported under it (the call's own client span).
    let by_id: HashMap<Vec<u8>, &Span> = spans.iter().map(|s| (s.span_id.clone(), s)).collect();
    let mut parent = a.parent_span_id.clone();
    let mut hops = 0;
    while parent != b.span_id {
        let up = by_id
            .get(&parent)
            .unwrap_or_else(|| panic!("A's parent {} was not exported by B", hex(&parent)));
        assert_eq!(hex(&up.trace_id), trace);
        parent = up.parent_span_id.clone();
        hops += 1;
        assert!(hops < 8, "no path from A's span up to B's");
    }

    // Both services' log lines: the same ID and trace.
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(&l[l.find('{')?..]).ok())
        .filter(|l: &serde_json::Value| {
            l["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("A: ") || m.starts_with("B: "))
        })
        .collect();
    let messages: Vec<&str> = lines
        .iter()
        .map(|l| l["fields"]["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        ["B: calling A", "A: checking stock", "B: A answered"],
        "{stdout}"
    );
    for line in &lines {
        assert_eq!(line["request_id"], ID, "{line}");
        assert_eq!(line["trace_id"], trace.as_str(), "{line}");
    }
    assert_eq!(
        lines[1]["span_id"],
        hex(&a.span_id).as_str(),
        "A logs in its span"
    );
    assert_eq!(
        lines[0]["span_id"],
        hex(&b.span_id).as_str(),
        "B logs in its span"
    );
}
