//! One resolution per request, and the defects probing found in it: each
//! test here failed before the request context became one thing.

mod common;

use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::routing::{get, put};
use axum::Router;
use common::{get as get_req, get_with, is_uuid, post_json, send};
use qh::tracking::Resolved;
use qh::{IdGenerator, RequestId, Tracking};
use serde_json::json;

#[qh::endpoint(method = "GET", path = "/a")]
fn get_a(request_id: RequestId) -> String {
    format!("get {request_id}")
}

#[qh::endpoint(method = "POST", path = "/a")]
fn post_a() -> &'static str {
    "post"
}

#[qh::endpoint(method = "GET")]
fn echo_id(request_id: RequestId) -> RequestId {
    request_id
}

#[qh::endpoint]
fn number(n: i64) -> i64 {
    n
}

#[qh::endpoint(method = "GET", path = "/hello/{name}")]
fn hello(name: String) -> String {
    name
}

#[qh::endpoint(method = "GET", path = "/search")]
fn search(
    #[extract] axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, u8>>,
) -> usize {
    q.len()
}

#[qh::endpoint(method = "GET", path = "/flags")]
fn flags(#[header("X-Flag")] flag: bool, #[query] on: Option<bool>) -> (bool, Option<bool>) {
    (flag, on)
}

#[derive(qh::TrackingContext, Clone, Debug)]
struct Ctx {
    request_id: RequestId,
    #[header("X-Tenant")]
    tenant: Option<String>,
}

async fn outbound(ctx: Ctx) -> String {
    let headers = ctx.to_headers();
    let mut names: Vec<_> = headers.keys().map(|k| k.as_str().to_owned()).collect();
    names.sort();
    names.join(",")
}

#[tokio::test]
async fn routers_of_endpoints_on_one_path_merge_and_keep_405() {
    let app = qh::routes![get_a].merge(qh::routes![post_a]);
    let res = send(&app, get_with("/a", &[("x-request-id", "m-1")])).await;
    assert_eq!(res.json(), json!("get m-1"));
    let res = send(&app, post_json("/a", "{}")).await;
    assert_eq!(res.json(), json!("post"));
    let res = send(
        &app,
        Request::patch("/a")
            .header("x-request-id", "m-2")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers["allow"], "GET,HEAD,POST");
    assert_eq!(res.content_type(), "application/problem+json");
    assert_eq!(res.json()["request_id"], "m-2");
    assert_eq!(res.echoed(), "m-2");

    // A plain axum route on the same path, either side of the merge.
    for app in [
        qh::routes![get_a].route("/a", put(|| async { "put" })),
        Router::new()
            .route("/a", put(|| async { "put" }))
            .merge(qh::routes![get_a]),
    ] {
        let res = send(&app, Request::put("/a").body(Body::empty()).unwrap()).await;
        assert_eq!(res.text(), "put");
        let res = send(
            &app.layer(Tracking::new()),
            Request::delete("/a").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
        let allow = res.headers["allow"].to_str().unwrap();
        assert!(allow.contains("GET") && allow.contains("PUT"), "{allow}");
        assert!(is_uuid(&res.echoed(), 4));
    }
}

#[tokio::test]
async fn several_id_lines_are_not_an_id() {
    let req = Request::get("/echo_id")
        .header("x-request-id", "first")
        .header("x-request-id", "second")
        .body(Body::empty())
        .unwrap();
    for app in [
        qh::routes![echo_id],
        qh::routes![echo_id].layer(Tracking::new()),
    ] {
        let res = send(&app, clone_req(&req)).await;
        let id = res.echoed();
        assert!(is_uuid(&id, 4), "{id}");
        assert_eq!(res.json(), json!(id));
    }
    // An invalid first line does not make a valid second one count.
    let req = Request::get("/echo_id")
        .header("x-request-id", "bad value")
        .header("x-request-id", "good")
        .body(Body::empty())
        .unwrap();
    assert!(is_uuid(&send(&qh::routes![echo_id], req).await.echoed(), 4));
}

fn clone_req(req: &Request<Body>) -> Request<Body> {
    let mut out = Request::builder().method(req.method()).uri(req.uri());
    for (name, value) in req.headers() {
        out = out.header(name, value);
    }
    out.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn a_custom_validator_keeps_the_length_cap() {
    let app = qh::routes![echo_id].layer(Tracking::new().validator(|id| id.starts_with("req-")));
    let huge = format!("req-{}", "a".repeat(60_000));
    let res = send(&app, get_with("/echo_id", &[("x-request-id", &huge)])).await;
    assert!(is_uuid(&res.echoed(), 4));
    let res = send(&app, get_with("/echo_id", &[("x-request-id", "req-1")])).await;
    assert_eq!(res.echoed(), "req-1");
}

#[tokio::test]
async fn ids_a_raised_max_len_or_a_validator_accepts_round_trip() {
    let long = "L".repeat(200);
    let app = qh::routes![echo_id].layer(Tracking::new().max_len(300));
    let res = send(&app, get_with("/echo_id", &[("x-request-id", &long)])).await;
    assert_eq!(res.echoed(), long);
    let id: RequestId = serde_json::from_value(res.json()).unwrap();
    assert_eq!(id, long.as_str());
    assert_eq!(long.parse::<RequestId>().unwrap(), id);

    let app = qh::routes![echo_id].layer(Tracking::new().validator(|id| id.starts_with('{')));
    let res = send(&app, get_with("/echo_id", &[("x-request-id", "{odd}")])).await;
    let id: RequestId = serde_json::from_value(res.json()).unwrap();
    assert_eq!(id, "{odd}");
}

#[tokio::test]
async fn to_headers_writes_the_id_under_the_header_it_came_from() {
    let app = Router::new()
        .route("/out", get(outbound))
        .layer(Tracking::new().header("X-Correlation-ID"));
    let res = send(
        &app,
        get_with("/out", &[("x-correlation-id", "c-1"), ("x-tenant", "t")]),
    )
    .await;
    assert_eq!(res.text(), "x-correlation-id,x-tenant");
    // Without the layer: the default header.
    let app = Router::new().route("/out", get(outbound));
    assert_eq!(send(&app, get_req("/out")).await.text(), "x-request-id");
}

#[tokio::test]
async fn the_layer_stores_its_resolution_for_everything_below() {
    async fn show(req: axum::extract::Request) -> String {
        let r = req.extensions().get::<Resolved>().unwrap();
        format!(
            "{} {} {:?}",
            r.id(),
            r.header(),
            r.client_id().map(RequestId::as_str)
        )
    }
    let app = Router::new()
        .route("/r", get(show))
        .layer(Tracking::new().trust_incoming(false));
    let res = send(&app, get_with("/r", &[("x-request-id", "client-1")])).await;
    assert_eq!(
        res.text(),
        format!("{} x-request-id Some(\"client-1\")", res.echoed())
    );
}

/// A tower layer whose synchronous `call` records the current request ID,
/// as tower-http's `TraceLayer` does when it makes its span.
#[derive(Clone)]
struct SeeInCall<S> {
    inner: S,
    seen: Arc<Mutex<Vec<Option<RequestId>>>>,
}

impl<S: tower::Service<Request<Body>>> tower::Service<Request<Body>> for SeeInCall<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> S::Future {
        self.seen.lock().unwrap().push(qh::request_id());
        self.inner.call(req)
    }
}

#[tokio::test]
async fn inner_middleware_sees_the_id_in_call() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let layer_seen = seen.clone();
    let app = qh::routes![echo_id]
        .layer(tower::layer::layer_fn(move |inner| SeeInCall {
            inner,
            seen: layer_seen.clone(),
        }))
        .layer(Tracking::new());
    let res = send(&app, get_with("/echo_id", &[("x-request-id", "in-call")])).await;
    assert_eq!(res.echoed(), "in-call");
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        &[Some(RequestId::from_static("in-call"))]
    );
}

#[tokio::test]
async fn client_input_in_errors_is_bounded() {
    let huge = "x".repeat(1 << 20);
    let res = send(
        &qh::routes![number],
        post_json("/number", &format!(r#"{{"n": "{huge}"}}"#)),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.len() < 1_024, "{} bytes", res.body.len());
    assert!(res.json()["detail"].as_str().unwrap().contains("cut"));

    let method = Method::from_bytes("M".repeat(200_000).as_bytes()).unwrap();
    let req = Request::builder()
        .method(method)
        .uri("/number")
        .body(Body::empty())
        .unwrap();
    let res = send(&qh::routes![number], req).await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(res.body.len() < 1_024, "{} bytes", res.body.len());
}

#[tokio::test]
async fn undecodable_paths_and_axum_rejections_are_problems() {
    let res = send(
        &qh::routes![hello],
        get_with("/hello/%FF%FE", &[("x-request-id", "p-1")]),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.content_type(), "application/problem+json");
    assert_eq!(res.json()["request_id"], "p-1");
    // The placeholder is named, as the problem names any bad path
    // parameter (its `path` member).
    assert_eq!(res.json()["path"], "name");

    let res = send(
        &qh::routes![search],
        get_with("/search?a=300", &[("x-request-id", "q-1")]),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.content_type(), "application/problem+json");
    assert_eq!(res.json()["request_id"], "q-1");
    assert_eq!(res.json()["type"], "urn:qh:problem:rejected");
    assert_eq!(res.echoed(), "q-1");
}

async fn boom() -> &'static str {
    panic!("plain route failed")
}

#[tokio::test]
async fn panics_anywhere_under_the_layer_answer_a_problem() {
    let app = Router::new()
        .route("/boom", get(boom))
        .layer(Tracking::new());
    let res = send(&app, get_with("/boom", &[("x-request-id", "b-1")])).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.content_type(), "application/problem+json");
    assert_eq!(res.json()["request_id"], "b-1");
    assert_eq!(res.echoed(), "b-1");

    let app = Router::new()
        .route("/ok", get(|| async { "ok" }))
        .layer(Tracking::new().generator(IdGenerator::custom(|| panic!("no IDs today"))));
    let res = send(&app, get_req("/ok")).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.json()["request_id"], res.echoed());
    assert!(is_uuid(&res.echoed(), 4));

    let app = Router::new()
        .route("/ok", get(|| async { "ok" }))
        .layer(Tracking::new().validator(|_| panic!("bad rule")));
    let res = send(&app, get_with("/ok", &[("x-request-id", "v-1")])).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_ne!(res.echoed(), "v-1");
}

#[tokio::test]
async fn flags_read_one_way_in_headers_and_queries() {
    let app = qh::routes![flags];
    for (header, query, expected) in [
        ("YES", "on=On", json!([true, true])),
        ("1", "on=no", json!([true, false])),
        ("off", "on=TRUE", json!([false, true])),
    ] {
        let res = send(
            &app,
            get_with(&format!("/flags?{query}"), &[("x-flag", header)]),
        )
        .await;
        assert_eq!(res.json(), expected, "{header} {query}");
    }
    let res = send(&app, get_with("/flags", &[("x-flag", "maybe")])).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn errors_outside_a_request_echo_under_the_resolved_header() {
    #[derive(qh::TrackingContext, Debug)]
    struct Strict {
        #[header("X-Corr")]
        request_id: RequestId,
        #[header("X-Tenant")]
        _tenant: String,
    }
    async fn strict(s: Strict) -> String {
        s.request_id.to_string()
    }
    let app = Router::new().route("/s", get(strict));
    let res = send(&app, get_with("/s", &[("x-corr", "corr-7")])).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["request_id"], "corr-7");
    assert_eq!(res.echoed_under("x-corr"), "corr-7");
    assert!(res.headers.get("x-request-id").is_none());
}

#[tokio::test]
async fn the_traceparent_can_give_the_request_its_id() {
    let app = qh::routes![echo_id].layer(Tracking::new().id_from_traceparent(true));
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let res = send(&app, get_with("/echo_id", &[("traceparent", tp)])).await;
    assert_eq!(res.echoed(), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(res.json(), json!("4bf92f3577b34da6a3ce929d0e0e4736"));
    // A valid ID header still wins; an invalid traceparent is no ID.
    let res = send(
        &app,
        get_with("/echo_id", &[("traceparent", tp), ("x-request-id", "mine")]),
    )
    .await;
    assert_eq!(res.echoed(), "mine");
    let bad = "00-00000000000000000000000000000000-00f067aa0ba902b7-01";
    let res = send(&app, get_with("/echo_id", &[("traceparent", bad)])).await;
    assert!(is_uuid(&res.echoed(), 4));
    // Off by default.
    let res = send(
        &qh::routes![echo_id].layer(Tracking::new()),
        get_with("/echo_id", &[("traceparent", tp)]),
    )
    .await;
    assert!(is_uuid(&res.echoed(), 4));
    // Only trusted incoming IDs: with trust off the traceparent is not
    // the request's ID either.
    let untrusting = Tracking::new()
        .id_from_traceparent(true)
        .trust_incoming(false);
    let res = send(
        &qh::routes![echo_id].layer(untrusting),
        get_with("/echo_id", &[("traceparent", tp)]),
    )
    .await;
    assert!(is_uuid(&res.echoed(), 4), "{}", res.echoed());
    assert_ne!(res.echoed(), "4bf92f3577b34da6a3ce929d0e0e4736");
}
