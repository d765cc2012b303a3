//! The tracking ID (one per request, shared by all its work) through the
//! real router: taken, generated, validated, echoed, kept in the context,
//! carried into spawned tasks, shared with the `Tracking` layer.

mod common;

use std::collections::HashSet;

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode};
use axum::routing::get as get_route;
use axum::Router;
use common::wait::within;
use common::{get, is_uuid, post_json, send};
use qh::{IdGenerator, RequestId, Tracking};
use serde_json::json;

#[qh::endpoint(method = "GET")]
async fn who(request_id: RequestId) -> serde_json::Value {
    tokio::task::yield_now().await;
    json!({"param": request_id, "context": qh::request_id(), "client": qh::context::client_request_id()})
}

#[qh::endpoint(method = "GET")]
fn who_sync(request_id: String) -> serde_json::Value {
    json!({"param": request_id, "context": qh::request_id()})
}

#[qh::endpoint(method = "GET")]
fn correlated(#[header("X-Correlation-ID")] request_id: RequestId) -> RequestId {
    request_id
}

#[qh::endpoint(method = "GET")]
fn renamed(#[request_id] id: Option<RequestId>) -> Option<RequestId> {
    id
}

#[qh::endpoint]
async fn fail(x: i64) -> i64 {
    if x == 0 {
        panic!("zero");
    }
    x
}

fn app() -> Router {
    qh::routes![who, who_sync, correlated, renamed, fail]
}

/// `GET uri` with one header whose value may be any bytes (invalid IDs too).
fn with_header(uri: &str, header: &str, value: &[u8]) -> Request<Body> {
    Request::get(uri)
        .header(header, HeaderValue::from_bytes(value).unwrap())
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn a_valid_incoming_id_is_used_everywhere_and_echoed() {
    let res = send(&app(), with_header("/who", "x-request-id", b"abc-123")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.echoed(), "abc-123");
    assert_eq!(
        res.json(),
        json!({"param": "abc-123", "context": "abc-123", "client": null})
    );
}

#[tokio::test]
async fn a_missing_id_is_generated_as_uuid_v4() {
    let res = send(&app(), get("/who")).await;
    let id = res.echoed();
    assert!(is_uuid(&id, 4), "{id}");
    assert_eq!(res.json()["param"], id);
    assert_eq!(res.json()["context"], id);
}

#[tokio::test]
async fn hostile_ids_are_replaced_never_echoed() {
    let long = "a".repeat(129);
    let hostile: &[(&str, &[u8])] = &[
        ("empty", b""),
        ("129 bytes", long.as_bytes()),
        ("space", b"abc def"),
        ("double quote", b"abc\"def"),
        ("single quote", b"abc'def"),
        ("semicolon", b"abc;def"),
        ("tab", b"abc\tdef"),
        ("script", b"<script>alert(1)</script>"),
        ("non-UTF-8", b"abc\xff\xfe"),
        ("UTF-8", "caf\u{e9}".as_bytes()),
        ("comma", b"a,b"),
        ("backslash", b"a\\b"),
    ];
    for (what, value) in hostile {
        let res = send(&app(), with_header("/who", "x-request-id", value)).await;
        let id = res.echoed();
        assert!(is_uuid(&id, 4), "{what}: echoed {id:?}");
        assert_eq!(res.json()["param"], id, "{what}");
        let body = String::from_utf8_lossy(&res.body);
        assert!(
            value.is_empty() || !body.contains(&*String::from_utf8_lossy(value)),
            "{what}: {body}"
        );
    }
}

#[tokio::test]
async fn every_allowed_character_and_128_bytes_are_accepted() {
    for id in ["A-Za-z0-9._~:+/=@-", "x", &"a".repeat(128)] {
        let res = send(&app(), with_header("/who", "x-request-id", id.as_bytes())).await;
        assert_eq!(res.echoed(), id);
    }
}

#[tokio::test]
async fn the_header_name_is_case_insensitive() {
    for name in ["X-Request-ID", "X-REQUEST-ID", "x-request-id"] {
        let res = send(&app(), with_header("/who", name, b"case-1")).await;
        assert_eq!(res.echoed(), "case-1", "{name}");
    }
}

#[tokio::test]
async fn an_endpoint_can_read_the_id_from_its_own_header() {
    let res = send(
        &app(),
        with_header("/correlated", "x-correlation-id", b"corr-9"),
    )
    .await;
    assert_eq!(res.json(), json!("corr-9"));
    assert_eq!(res.echoed_under("x-correlation-id"), "corr-9");
    assert!(res.headers.get("x-request-id").is_none());

    // X-Request-ID is not what this endpoint reads.
    let res = send(&app(), with_header("/correlated", "x-request-id", b"other")).await;
    let id = res.echoed_under("x-correlation-id");
    assert!(is_uuid(&id, 4));
}

#[tokio::test]
async fn request_id_attribute_and_option_type() {
    let res = send(&app(), with_header("/renamed", "x-request-id", b"r-1")).await;
    assert_eq!(res.json(), json!("r-1"));
}

#[tokio::test]
async fn sync_functions_see_the_context_too() {
    let res = send(&app(), with_header("/who_sync", "x-request-id", b"sync-1")).await;
    assert_eq!(res.json(), json!({"param": "sync-1", "context": "sync-1"}));
}

#[test]
fn request_id_is_none_outside_a_request() {
    assert_eq!(qh::request_id(), None);
    assert_eq!(qh::context::client_request_id(), None);
}

#[tokio::test]
async fn the_id_is_echoed_on_errors_too() {
    let req = Request::post("/fail")
        .header("x-request-id", "err-1")
        .header("content-type", "text/plain")
        .body(Body::from("x=0"))
        .unwrap();
    let res = send(&app(), req).await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(res.echoed(), "err-1");
    assert_eq!(res.json()["request_id"], "err-1");

    let req = Request::post("/fail")
        .header("x-request-id", "err-2")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"x": 0}"#))
        .unwrap();
    let res = send(&app(), req).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.echoed(), "err-2");
    assert_eq!(res.json()["request_id"], "err-2");

    let res = send(&app(), with_header("/fail", "x-request-id", b"err-3")).await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.echoed(), "err-3");
    assert_eq!(res.json()["request_id"], "err-3");
}

/// Lets the job `enqueue` spawned go on: the test opens it once it has the
/// response.
#[derive(Clone)]
struct AfterTheResponse(std::sync::Arc<tokio::sync::Semaphore>);

#[qh::endpoint]
async fn enqueue(job: String) -> &'static str {
    let sender =
        qh::context::get::<tokio::sync::mpsc::UnboundedSender<(String, Option<RequestId>)>>();
    let after = qh::context::get::<AfterTheResponse>();
    qh::spawn(async move {
        // Goes on only after the response has gone out.
        if let Some(after) = after {
            let _ = after.0.acquire().await;
        }
        if let Some(sender) = sender {
            let _ = sender.send((job, qh::request_id()));
        }
    });
    "queued"
}

#[tokio::test]
async fn spawned_tasks_keep_the_id() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let after = AfterTheResponse(std::sync::Arc::new(tokio::sync::Semaphore::new(0)));
    let gate = after.clone();
    let app = qh::routes![enqueue].layer(axum::middleware::from_fn(
        move |req, next: axum::middleware::Next| {
            let (tx, after) = (tx.clone(), after.clone());
            async move {
                qh::context::insert(tx);
                qh::context::insert(after);
                next.run(req).await
            }
        },
    ));
    let app = app.layer(Tracking::new());
    let mut req = post_json("/enqueue", r#"{"job": "mail"}"#);
    req.headers_mut()
        .insert("x-request-id", HeaderValue::from_static("bg-7"));
    let res = send(&app, req).await;
    assert_eq!(res.json(), json!("queued"));
    gate.0.add_permits(1);
    let (job, id): (String, Option<RequestId>) = within("the job", rx.recv()).await.unwrap();
    assert_eq!(job, "mail");
    assert_eq!(id.unwrap(), "bg-7");
}

#[tokio::test]
async fn spawn_outside_a_request_has_no_id() {
    let id = qh::spawn(async { qh::request_id() }).await.unwrap();
    assert_eq!(id, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_concurrent_requests_never_cross_talk() {
    let app = app();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..2_000u32 {
        let app = app.clone();
        tasks.spawn(async move {
            // Half bring their own ID, half get one generated.
            let req = if i % 2 == 0 {
                with_header("/who", "x-request-id", format!("req-{i}").as_bytes())
            } else {
                get("/who")
            };
            let res = send(&app, req).await;
            let echoed = res.echoed();
            let body = res.json();
            assert_eq!(body["param"], echoed, "request {i}");
            assert_eq!(body["context"], echoed, "request {i}");
            if i % 2 == 0 {
                assert_eq!(echoed, format!("req-{i}"));
            }
            echoed
        });
    }
    let mut seen = HashSet::new();
    while let Some(id) = tasks.join_next().await {
        assert!(seen.insert(id.unwrap()), "duplicate ID");
    }
    assert_eq!(seen.len(), 2_000);
}

// ------------------------------------------------------------ the layer

async fn plain(id: RequestId) -> String {
    format!("{id} {}", qh::request_id().unwrap())
}

fn layered(tracking: Tracking) -> Router {
    Router::new()
        .route("/plain", get_route(plain))
        .merge(app())
        .layer(tracking)
}

#[tokio::test]
async fn the_layer_covers_plain_routes_and_404s() {
    let app = layered(Tracking::new());
    let res = send(&app, with_header("/plain", "x-request-id", b"p-1")).await;
    assert_eq!(res.body, b"p-1 p-1");
    assert_eq!(res.echoed(), "p-1");

    let res = send(&app, get("/plain")).await;
    let id = res.echoed();
    assert!(is_uuid(&id, 4));
    assert_eq!(String::from_utf8(res.body).unwrap(), format!("{id} {id}"));

    let res = send(&app, get("/nowhere")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(is_uuid(&res.echoed(), 4));

    let res = send(&app, with_header("/nowhere", "x-request-id", b"lost-1")).await;
    assert_eq!(res.echoed(), "lost-1");
}

#[tokio::test]
async fn endpoints_reuse_the_layers_id_and_echo_once() {
    let app = layered(Tracking::new());
    let res = send(&app, get("/who")).await;
    let id = res.echoed();
    assert_eq!(res.json()["param"], id);
    assert_eq!(res.json()["context"], id);

    // The layer wins over an endpoint's own header: one ID per request.
    let res = send(
        &app,
        with_header("/correlated", "x-correlation-id", b"ignored"),
    )
    .await;
    let id = res.echoed();
    assert_eq!(res.json(), json!(id));
    assert!(res.headers.get("x-correlation-id").is_none());
}

#[tokio::test]
async fn the_layer_can_generate_v7() {
    let app = layered(Tracking::new().generator(IdGenerator::UuidV7));
    let res = send(&app, get("/who")).await;
    assert!(is_uuid(&res.echoed(), 7), "{}", res.echoed());
}

#[tokio::test]
async fn custom_generators_are_used() {
    let app = layered(
        Tracking::new().generator(IdGenerator::custom(|| RequestId::from_static("fixed-id"))),
    );
    let res = send(&app, get("/who")).await;
    assert_eq!(res.echoed(), "fixed-id");
}

#[tokio::test]
async fn untrusted_incoming_ids_are_kept_beside_never_used() {
    let app = layered(Tracking::new().trust_incoming(false));
    let res = send(&app, with_header("/who", "x-request-id", b"client-1")).await;
    let id = res.echoed();
    assert!(is_uuid(&id, 4));
    assert_eq!(
        res.json(),
        json!({"param": id, "context": id, "client": "client-1"})
    );

    let res = send(&app, with_header("/who", "x-request-id", b"bad value")).await;
    assert_eq!(res.json()["client"], json!(null));
}

#[tokio::test]
async fn header_fallbacks_and_echo_under_the_source_header() {
    let app = layered(
        Tracking::new()
            .header("X-Correlation-ID")
            .fallback_header("X-Request-ID"),
    );
    let res = send(&app, with_header("/plain", "x-correlation-id", b"c-1")).await;
    assert_eq!(res.echoed_under("x-correlation-id"), "c-1");

    let res = send(&app, with_header("/plain", "x-request-id", b"r-1")).await;
    assert_eq!(res.echoed_under("x-request-id"), "r-1");
    assert!(res.headers.get("x-correlation-id").is_none());

    let res = send(&app, get("/plain")).await;
    assert!(is_uuid(&res.echoed_under("x-correlation-id"), 4));

    // The first header whose value is *valid* wins: an invalid primary
    // gives way to a valid fallback.
    let req = Request::get("/plain")
        .header("x-correlation-id", "bad value")
        .header("x-request-id", "r-2")
        .body(Body::empty())
        .unwrap();
    let res = send(&app, req).await;
    assert_eq!(res.echoed_under("x-request-id"), "r-2");
    assert!(res.headers.get("x-correlation-id").is_none());
}

#[tokio::test]
async fn max_len_and_custom_validators() {
    async fn echoed(app: &Router, id: &[u8]) -> String {
        send(app, with_header("/plain", "x-request-id", id))
            .await
            .echoed()
    }

    let app = layered(Tracking::new().max_len(8));
    assert_eq!(echoed(&app, b"12345678").await, "12345678");
    assert!(is_uuid(&echoed(&app, b"123456789").await, 4));

    let app = layered(Tracking::new().validator(|id| id.starts_with("ok-")));
    assert_eq!(echoed(&app, b"ok-1").await, "ok-1");
    assert!(is_uuid(&echoed(&app, b"no-1").await, 4));
}

#[tokio::test]
async fn a_real_server_on_loopback_echoes_the_id() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app()).await });

    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /who HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: wire-1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(common::wait::PATIENCE, stream.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("x-request-id: wire-1\r\n"),
        "{text}"
    );
    assert!(text.contains(r#""param":"wire-1""#), "{text}");
    server.abort();
}
