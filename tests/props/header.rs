//! Reading the ID from request headers, through real routers: under a
//! `qh::Tracking` layer with fallbacks and a length cap, and through an
//! endpoint without a layer.

use axum::body::Body;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use proptest::prelude::*;
use qh::tracking::Resolved;
use qh::{RequestId, Tracking};
use serde_json::{json, Value};
use tower::ServiceExt as _;

use crate::support::{block_on, default_rule, header_bytes, is_uuid};

/// The headers a request may carry, in the order a layer reads them: the
/// main one, then the fallbacks; the last is never configured.
const NAMES: [&str; 4] = ["x-corr-id", "x-request-id", "x-trace-ref", "x-other"];

/// One request's headers: for each name, zero to three lines (mostly one).
fn lines() -> impl Strategy<Value = Vec<Vec<Vec<u8>>>> {
    let one = prop_oneof![
        3 => prop::collection::vec(header_bytes(), 1),
        1 => prop::collection::vec(header_bytes(), 0),
        1 => prop::collection::vec(header_bytes(), 2..=3),
    ];
    prop::collection::vec(one, NAMES.len())
}

#[derive(Debug, Clone)]
struct Config {
    fallbacks: usize,
    max_len: Option<usize>,
    trust: bool,
}

fn config() -> impl Strategy<Value = Config> {
    (
        0usize..=2,
        prop_oneof![
            Just(None),
            (1usize..=14).prop_map(Some),
            (120usize..=140).prop_map(Some)
        ],
        prop::bool::weighted(0.8),
    )
        .prop_map(|(fallbacks, max_len, trust)| Config {
            fallbacks,
            max_len,
            trust,
        })
}

fn request(uri: &str, lines: &[Vec<Vec<u8>>]) -> Request {
    let mut req = Request::get(uri).body(Body::empty()).unwrap();
    for (name, values) in NAMES.iter().zip(lines) {
        for value in values {
            // A value no header can carry is not sent at all.
            if let Ok(value) = HeaderValue::from_bytes(value) {
                req.headers_mut().append(*name, value);
            }
        }
    }
    req
}

/// The lines of `name` the request really carries.
fn sent<'a>(req: &'a Request, name: &str) -> Vec<&'a [u8]> {
    req.headers()
        .get_all(name)
        .iter()
        .map(HeaderValue::as_bytes)
        .collect()
}

/// DESIGN §2 as written: the first configured header with exactly one line
/// whose value passes the rule.
fn reference(
    req: &Request,
    configured: &[&'static str],
    max_len: usize,
) -> Option<(&'static str, String)> {
    configured
        .iter()
        .find_map(|name| match sent(req, name)[..] {
            [value] if default_rule(value, max_len) => {
                Some((*name, String::from_utf8(value.to_vec()).ok()?))
            }
            _ => None,
        })
}

async fn show(req: Request) -> axum::Json<Value> {
    let resolved = req.extensions().get::<Resolved>().cloned();
    axum::Json(json!({
        "id": resolved.as_ref().map(|r| r.id().to_string()),
        "header": resolved.as_ref().map(|r| r.header().to_string()),
        "client_id": resolved.as_ref().and_then(|r| r.client_id()).map(ToString::to_string),
        "context": qh::request_id().map(|id| id.to_string()),
    }))
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

async fn send(app: Router, req: Request) -> Answer {
    let res = app.oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

/// The response echoes `id` under `header` and under no other read name.
fn echoes(answer: &Answer, header: &str, id: &str) -> Result<(), TestCaseError> {
    for name in NAMES {
        let echoed = answer.headers.get(name).map(HeaderValue::as_bytes);
        if name == header {
            prop_assert_eq!(echoed, Some(id.as_bytes()), "echo under {}", name);
        } else {
            prop_assert_eq!(echoed, None, "nothing echoed under {}", name);
        }
    }
    Ok(())
}

#[qh::endpoint(method = "GET", path = "/plain")]
fn plain(request_id: RequestId) -> String {
    request_id.to_string()
}

#[qh::endpoint(method = "GET", path = "/corr")]
fn corr(#[header("X-Corr-ID")] request_id: RequestId) -> String {
    request_id.to_string()
}

proptest! {
    #[test]
    fn header_layer_reads_the_first_single_valid_line(config in config(), lines in lines()) {
        let mut tracking = Tracking::new().header("X-Corr-ID").trust_incoming(config.trust);
        for name in &NAMES[1..=config.fallbacks] {
            tracking = tracking.fallback_header(*name);
        }
        if let Some(max_len) = config.max_len {
            tracking = tracking.max_len(max_len);
        }
        let app = Router::new().route("/", get(show)).layer(tracking);
        let req = request("/", &lines);
        let configured = &NAMES[..=config.fallbacks];
        let found = reference(&req, configured, config.max_len.unwrap_or(128));
        let answer = block_on(send(app, req));
        prop_assert_eq!(answer.status, StatusCode::OK);
        let id = answer.body["id"].as_str().unwrap_or_default().to_owned();
        prop_assert_eq!(answer.body["context"].as_str(), Some(id.as_str()));
        match (&found, config.trust) {
            (Some((name, value)), true) => {
                prop_assert_eq!(&id, value);
                prop_assert_eq!(answer.body["header"].as_str(), Some(*name));
                prop_assert_eq!(&answer.body["client_id"], &Value::Null);
                echoes(&answer, name, &id)?;
            }
            _ => {
                // Nothing usable (or nothing trusted): a new UUID v4 under
                // the main header, the client's valid value kept beside it.
                prop_assert!(is_uuid(&id, 4), "{}", id);
                prop_assert_eq!(answer.body["header"].as_str(), Some(NAMES[0]));
                let kept = found.as_ref().filter(|_| !config.trust).map(|(_, v)| v.as_str());
                prop_assert_eq!(answer.body["client_id"].as_str(), kept);
                echoes(&answer, NAMES[0], &id)?;
            }
        }
    }

    #[test]
    fn header_endpoint_without_a_layer_reads_its_header(lines in lines()) {
        let app: Router = qh::routes![plain, corr];
        for (uri, name) in [("/plain", "x-request-id"), ("/corr", "x-corr-id")] {
            let req = request(uri, &lines);
            let found = reference(&req, &[name], 128).map(|(_, value)| value);
            let answer = block_on(send(app.clone(), req));
            prop_assert_eq!(answer.status, StatusCode::OK);
            let id = answer.body.as_str().unwrap_or_default().to_owned();
            match &found {
                Some(value) => prop_assert_eq!(&id, value),
                None => prop_assert!(is_uuid(&id, 4), "{}", id),
            }
            prop_assert_eq!(
                answer.headers.get(name).map(HeaderValue::as_bytes),
                Some(id.as_bytes())
            );
        }
    }
}
