//! `#[derive(qh::TrackingContext)]` through a real `axum::Router`.

mod common;

use std::net::SocketAddr;

use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use common::Answer;

#[derive(qh::TrackingContext, Clone, Debug)]
struct Tracking {
    request_id: qh::RequestId,
    #[header("X-User-ID")]
    user_id: Option<String>,
    #[header("X-Tenant")]
    tenant: String,
    #[header]
    x_session_id: Option<String>,
    #[header(name = "X-Attempt")]
    attempt: Option<u32>,
}

/// Not `Clone`: still an extractor, only `current()` is unavailable.
#[derive(qh::TrackingContext, Debug)]
struct NotClone {
    #[request_id]
    id: String,
    #[header("X-Tenant")]
    tenant: Option<String>,
}

/// The ID read from a custom header when nothing resolved it before.
#[derive(qh::TrackingContext, Clone, Debug)]
struct Correlated {
    #[header("X-Correlation-ID")]
    request_id: qh::RequestId,
}

#[derive(qh::TrackingContext, Clone, Debug)]
#[qh(crate = "::qh")]
struct Renamed {
    request_id: Option<qh::RequestId>,
}

async fn show(t: Tracking) -> Json<serde_json::Value> {
    let current = Tracking::current().map(|c| c.request_id.to_string());
    Json(serde_json::json!({
        "request_id": t.request_id.as_str(),
        "user_id": t.user_id,
        "tenant": t.tenant,
        "session": t.x_session_id,
        "attempt": t.attempt,
        "current": current,
        "context_id": qh::request_id().map(|id| id.to_string()),
    }))
}

async fn show_not_clone(t: NotClone) -> String {
    format!("{}/{}", t.id, t.tenant.unwrap_or_default())
}

async fn show_correlated(t: Correlated) -> String {
    t.request_id.to_string()
}

async fn show_renamed(t: Renamed) -> String {
    t.request_id.map(|id| id.to_string()).unwrap_or_default()
}

fn app() -> Router {
    Router::new()
        .route("/", get(show))
        .route("/not-clone", get(show_not_clone))
        .route("/correlated", get(show_correlated))
        .route("/renamed", get(show_renamed))
}

async fn send(app: Router, uri: &str, headers: &[(&str, &str)]) -> Answer {
    common::send(&app, common::get_with(uri, headers)).await
}

#[tokio::test]
async fn plain_handler_without_the_layer() {
    let res = send(
        app(),
        "/",
        &[
            ("x-request-id", "req-1"),
            ("x-user-id", "u-7"),
            ("x-tenant", "acme"),
            ("x-session-id", "s-9"),
            ("x-attempt", "3"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    let json = res.json();
    assert_eq!(json["request_id"], "req-1");
    assert_eq!(json["user_id"], "u-7");
    assert_eq!(json["tenant"], "acme");
    assert_eq!(json["session"], "s-9");
    assert_eq!(json["attempt"], 3);
    // No layer: no request context, so nothing to store in.
    assert_eq!(json["current"], serde_json::Value::Null);
    assert_eq!(json["context_id"], serde_json::Value::Null);
}

#[tokio::test]
async fn invalid_incoming_id_is_replaced() {
    let res = send(
        app(),
        "/",
        &[("x-request-id", "has space"), ("x-tenant", "acme")],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    let id = res.json()["request_id"].as_str().unwrap().to_owned();
    assert_ne!(id, "has space");
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
}

#[tokio::test]
async fn with_the_layer_the_id_is_reused_and_current_is_set() {
    let app = app().layer(qh::Tracking::new());
    let res = send(app.clone(), "/", &[("x-tenant", "acme")]).await;
    assert_eq!(res.status, StatusCode::OK);
    let json = res.json();
    let echoed = res.echoed();
    assert_eq!(json["request_id"], echoed);
    assert_eq!(json["context_id"], echoed);
    assert_eq!(json["current"], echoed);

    let res = send(
        app,
        "/",
        &[("x-request-id", "abc.123"), ("x-tenant", "acme")],
    )
    .await;
    assert_eq!(res.echoed(), "abc.123");
    assert_eq!(res.json()["request_id"], "abc.123");
}

#[tokio::test]
async fn optional_headers_absent_are_none() {
    let res = send(app(), "/", &[("x-tenant", "acme")]).await;
    assert_eq!(res.status, StatusCode::OK);
    let json = res.json();
    assert_eq!(json["user_id"], serde_json::Value::Null);
    assert_eq!(json["session"], serde_json::Value::Null);
    assert_eq!(json["attempt"], serde_json::Value::Null);
}

#[tokio::test]
async fn missing_required_header_is_a_400_problem() {
    for app in [app(), app().layer(qh::Tracking::new())] {
        let res = send(app, "/", &[("x-request-id", "req-missing")]).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(res.headers["content-type"], "application/problem+json");
        let json = res.json();
        assert_eq!(json["status"], 400);
        assert_eq!(json["header"], "x-tenant");
        assert_eq!(json["request_id"], "req-missing");
        assert_eq!(res.echoed(), "req-missing");
        assert!(json["detail"].as_str().unwrap().contains("x-tenant"));
    }
}

#[tokio::test]
async fn unreadable_header_is_a_400_problem() {
    let res = send(app(), "/", &[("x-tenant", "acme"), ("x-attempt", "many")]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let json = res.json();
    assert_eq!(json["header"], "x-attempt");
    assert!(json["request_id"].is_string());
}

#[tokio::test]
async fn not_clone_struct_still_extracts() {
    let res = send(
        app(),
        "/not-clone",
        &[("x-request-id", "nc-1"), ("x-tenant", "t")],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.text(), "nc-1/t");
    let res = send(
        app().layer(qh::Tracking::new()),
        "/not-clone",
        &[("x-request-id", "nc-2")],
    )
    .await;
    assert_eq!(res.text(), "nc-2/");
}

#[tokio::test]
async fn request_id_from_a_custom_header() {
    let res = send(
        app(),
        "/correlated",
        &[("x-correlation-id", "corr-1"), ("x-request-id", "other")],
    )
    .await;
    assert_eq!(res.text(), "corr-1");
    // The layer decided first: its ID wins.
    let res = send(
        app().layer(qh::Tracking::new()),
        "/correlated",
        &[("x-correlation-id", "corr-1"), ("x-request-id", "layer-1")],
    )
    .await;
    assert_eq!(res.text(), "layer-1");
    assert_eq!(res.echoed(), "layer-1");
}

#[tokio::test]
async fn crate_option() {
    let res = send(app(), "/renamed", &[("x-request-id", "r-1")]).await;
    assert_eq!(res.text(), "r-1");
}

#[test]
fn from_headers_and_to_headers_round_trip() {
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", HeaderValue::from_static("rt-1"));
    headers.insert("x-tenant", HeaderValue::from_static("acme"));
    headers.insert("x-attempt", HeaderValue::from_static("2"));
    let t = Tracking::from_headers(&headers).unwrap();
    assert_eq!(t.request_id, "rt-1");
    assert_eq!(t.tenant, "acme");
    assert_eq!(t.user_id, None);
    assert_eq!(t.attempt, Some(2));

    let out = t.to_headers();
    assert_eq!(out.len(), 3);
    assert_eq!(out["x-request-id"], "rt-1");
    assert_eq!(out["x-tenant"], "acme");
    assert_eq!(out["x-attempt"], "2");
    assert!(!out.contains_key("x-user-id"));
    assert!(!out.contains_key("x-session-id"));

    let again = Tracking::from_headers(&out).unwrap();
    assert_eq!(again.request_id, t.request_id);
    assert_eq!(again.tenant, t.tenant);
    assert_eq!(again.attempt, t.attempt);
}

#[test]
fn to_headers_skips_values_that_cannot_be_headers() {
    let t = Tracking {
        request_id: qh::RequestId::from_static("ok-1"),
        user_id: Some("two\nlines".to_owned()),
        tenant: "acme".to_owned(),
        x_session_id: Some("s".to_owned()),
        attempt: None,
    };
    let out = t.to_headers();
    assert!(!out.contains_key("x-user-id"));
    assert_eq!(out["x-session-id"], "s");
    assert_eq!(out["x-tenant"], "acme");
}

#[test]
fn from_headers_errors_and_fresh_ids() {
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", HeaderValue::from_static("no good"));
    let e = Tracking::from_headers(&headers).unwrap_err();
    assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    assert_eq!(e.header(), Some("x-tenant"));

    headers.insert("x-tenant", HeaderValue::from_static("acme"));
    let t = Tracking::from_headers(&headers).unwrap();
    assert_ne!(t.request_id, "no good");
    assert!(uuid::Uuid::parse_str(t.request_id.as_str()).is_ok());

    let c = Correlated::from_headers(&{
        let mut h = HeaderMap::new();
        h.insert("x-correlation-id", HeaderValue::from_static("c-9"));
        h
    })
    .unwrap();
    assert_eq!(c.request_id, "c-9");
    assert_eq!(c.to_headers()["x-correlation-id"], "c-9");
}

#[tokio::test]
async fn from_headers_inside_a_request_keeps_its_id() {
    let mut headers = HeaderMap::new();
    headers.insert("x-tenant", HeaderValue::from_static("acme"));
    // An untrusted or differently-named client ID must not become a second
    // ID for the request: inside one, its resolution wins.
    headers.insert("x-request-id", HeaderValue::from_static("from-header"));
    let t = qh::context::Context::new(qh::RequestId::from_static("ctx-1"))
        .scope(async { Tracking::from_headers(&headers).unwrap() })
        .await;
    assert_eq!(t.request_id, "ctx-1");
    // Outside a request the headers' valid ID is used.
    assert_eq!(
        Tracking::from_headers(&headers).unwrap().request_id,
        "from-header"
    );
}

#[test]
fn current_is_none_outside_a_request() {
    assert!(Tracking::current().is_none());
    assert!(Correlated::current().is_none());
}

#[test]
fn to_header_is_public() {
    use qh::extract::ToHeader;
    assert_eq!(7u16.to_header().unwrap(), "7");
    assert_eq!(None::<String>.to_header(), None);
}

#[qh::endpoint(method = "GET", path = "/endpoint")]
fn in_endpoint(#[extract] t: Tracking, request_id: qh::RequestId) -> serde_json::Value {
    let current = Tracking::current().map(|c| c.request_id.to_string());
    serde_json::json!({
        "t": t.request_id.as_str(),
        "endpoint": request_id.as_str(),
        "current": current,
        "tenant": t.tenant,
    })
}

#[tokio::test]
async fn extract_in_an_endpoint() {
    let with_layer: Router = qh::routes![in_endpoint].layer(qh::Tracking::new());
    for app in [qh::routes![in_endpoint], with_layer] {
        let res = send(app.clone(), "/endpoint", &[("x-tenant", "acme")]).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let json = res.json();
        let echoed = res.echoed();
        assert_eq!(json["t"], echoed);
        assert_eq!(json["endpoint"], echoed);
        assert_eq!(json["current"], echoed);
        assert_eq!(json["tenant"], "acme");

        let res = send(app, "/endpoint", &[("x-request-id", "ep-1")]).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(res.json()["header"], "x-tenant");
        assert_eq!(res.json()["request_id"], "ep-1");
        assert_eq!(res.echoed(), "ep-1");
    }
}

/// A context whose headers the next service gets only from a trusted peer,
/// but for one field any peer may pass on.
#[derive(qh::TrackingContext, Clone, Debug)]
struct Caller {
    request_id: qh::RequestId,
    #[header("X-User-ID")]
    user_id: Option<String>,
    #[header("X-Session-ID", max_len = 256)]
    session_id: Option<String>,
    #[header("X-Locale", forward_untrusted)]
    locale: Option<String>,
}

fn names_and_values(headers: &HeaderMap) -> serde_json::Value {
    headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().into()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// What the handler read, and what it would send on: the struct's
/// `to_headers()` and `qh::propagation::headers()`.
async fn outbound(caller: Caller) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "read": [caller.user_id, caller.session_id, caller.locale],
        "to_headers": names_and_values(&caller.to_headers()),
        "propagation": names_and_values(&qh::propagation::headers()),
    }))
}

/// Trusts the peers of 10.0.0.0/8; `peer` is the connection's address.
fn trusting(peer: Option<&str>) -> Router {
    let app = Router::new()
        .route("/out", get(outbound))
        .layer(qh::Tracking::new().trust_incoming(qh::Trust::peers(["10.0.0.0/8"]).unwrap()));
    match peer {
        Some(peer) => app.layer(MockConnectInfo(peer.parse::<SocketAddr>().unwrap())),
        None => app,
    }
}

const CALLER_HEADERS: &[(&str, &str)] = &[
    ("x-request-id", "client-7"),
    ("x-user-id", "u-7"),
    ("x-session-id", "s-9"),
    ("x-locale", "fr"),
];

#[tokio::test]
async fn an_untrusted_peers_headers_do_not_go_out() {
    // A peer outside the trusted networks, and a request with no
    // connection info (untrusted too).
    for peer in [Some("203.0.113.9:4000"), None] {
        let res = send(trusting(peer), "/out", CALLER_HEADERS).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let json = res.json();
        // The app still reads what the client sent …
        assert_eq!(json["read"], serde_json::json!(["u-7", "s-9", "fr"]));
        // … but passes on only the `forward_untrusted` field, with the
        // server's own ID.
        let id = res.echoed();
        assert_ne!(id, "client-7");
        for out in [&json["to_headers"], &json["propagation"]] {
            assert_eq!(out["x-request-id"], id.as_str(), "{peer:?}: {out}");
            assert_eq!(out["x-locale"], "fr", "{peer:?}: {out}");
            assert!(out.get("x-user-id").is_none(), "{peer:?}: {out}");
            assert!(out.get("x-session-id").is_none(), "{peer:?}: {out}");
        }
    }
}

#[tokio::test]
async fn a_trusted_peers_headers_go_out() {
    let res = send(trusting(Some("10.1.2.3:4000")), "/out", CALLER_HEADERS).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let json = res.json();
    for out in [&json["to_headers"], &json["propagation"]] {
        assert_eq!(out["x-request-id"], "client-7", "{out}");
        assert_eq!(out["x-user-id"], "u-7", "{out}");
        assert_eq!(out["x-session-id"], "s-9", "{out}");
        assert_eq!(out["x-locale"], "fr", "{out}");
    }
    // Without the layer the defaults trust everyone: all go out.
    let app = Router::new().route("/out", get(outbound));
    let json = send(app, "/out", CALLER_HEADERS).await.json();
    assert_eq!(json["to_headers"]["x-user-id"], "u-7");
    assert_eq!(json["to_headers"]["x-session-id"], "s-9");
}

#[tokio::test]
async fn header_values_are_bounded_visible_ascii_from_any_peer() {
    let ten_kb = "u".repeat(10 * 1024);
    for peer in ["203.0.113.9:4000", "10.1.2.3:4000"] {
        let res = send(
            trusting(Some(peer)),
            "/out",
            &[("x-request-id", "r-1"), ("x-user-id", &ten_kb)],
        )
        .await;
        let problem = common::assert_problem(&res, StatusCode::BAD_REQUEST);
        assert_eq!(problem["header"], "x-user-id", "{peer}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("1 to 128 visible ASCII"),
            "{problem}"
        );
        assert!(!res.text().contains("uuuu"), "the value is never echoed");
    }
    let app = || trusting(Some("10.1.2.3:4000"));
    // The default bound is the ID's, 128 bytes; a field's `max_len`
    // changes it.
    let ok = |res: &Answer| res.status == StatusCode::OK;
    assert!(ok(
        &send(app(), "/out", &[("x-user-id", &"u".repeat(128))]).await
    ));
    assert!(!ok(&send(
        app(),
        "/out",
        &[("x-user-id", &"u".repeat(129))]
    )
    .await));
    assert!(ok(&send(
        app(),
        "/out",
        &[("x-session-id", &"s".repeat(256))]
    )
    .await));
    let res = send(app(), "/out", &[("x-session-id", &"s".repeat(257))]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["header"], "x-session-id");
    // Visible ASCII only: no spaces, nothing beyond `~`; never empty.
    for bad in ["two words", "caf\u{e9}", ""] {
        let mut req = common::get_with("/out", &[]);
        req.headers_mut()
            .insert("x-locale", HeaderValue::from_bytes(bad.as_bytes()).unwrap());
        let res = common::send(&app(), req).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad:?}");
        assert_eq!(res.json()["header"], "x-locale", "{bad:?}");
    }
    // `from_headers` reads with the same rule.
    let mut headers = HeaderMap::new();
    headers.insert("x-user-id", HeaderValue::from_str(&ten_kb).unwrap());
    let error = Caller::from_headers(&headers).unwrap_err();
    assert_eq!(error.header(), Some("x-user-id"));
}

#[tokio::test]
async fn on_a_server_the_connection_decides_what_goes_out() {
    // A real server on 127.0.0.1 with connection info; the trusted
    // network is elsewhere, so this client is not trusted.
    let app = Router::new()
        .route("/out", get(outbound))
        .layer(qh::Tracking::new().trust_incoming(qh::Trust::peers(["10.0.0.0/8"]).unwrap()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let client = reqwest::Client::new();
    let get = |headers: &[(&str, &str)]| {
        let mut req = client.get(format!("http://{addr}/out"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send()
    };
    let res = get(CALLER_HEADERS).await.unwrap();
    assert_eq!(res.status(), 200);
    let json: serde_json::Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(json["propagation"]["x-locale"], "fr", "{json}");
    assert!(json["propagation"].get("x-user-id").is_none(), "{json}");
    assert!(json["to_headers"].get("x-user-id").is_none(), "{json}");
    // A 10 KB X-User-ID is refused, so it cannot go anywhere.
    let res = get(&[("x-user-id", &"u".repeat(10 * 1024))]).await.unwrap();
    assert_eq!(res.status(), 400);
}
