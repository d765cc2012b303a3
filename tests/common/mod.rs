//! Helpers shared by the behaviour tests: drive a real `axum::Router`
//! in-process and look at what comes back.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use tower::ServiceExt;

pub mod capture;
pub mod redis;
pub mod redis_server;
pub mod task_app;
pub mod wait;

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The single echoed `x-request-id` (asserts there is exactly one).
    pub fn echoed(&self) -> String {
        self.echoed_under("x-request-id")
    }

    pub fn echoed_under(&self, name: &str) -> String {
        let values: Vec<_> = self.headers.get_all(name).iter().collect();
        assert_eq!(
            values.len(),
            1,
            "expected one `{name}` header, got {values:?}"
        );
        values[0].to_str().unwrap().to_owned()
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .map_or("", |v| v.to_str().unwrap())
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

pub fn post_json(uri: &str, json: &str) -> Request<Body> {
    post_json_with(uri, json, &[])
}

/// `POST uri` with `json` as its body (`Content-Type: application/json`)
/// and the given headers, added after it.
pub fn post_json_with(uri: &str, json: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::post(uri).header("content-type", "application/json");
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.body(Body::from(json.to_owned())).unwrap()
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// `GET uri` with the given headers.
pub fn get_with(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::get(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.body(Body::empty()).unwrap()
}

/// Asserts an RFC 9457 problem (`application/problem+json`) answered with
/// `status`: its `type`, `title` (the status's reason) and a `detail`, and
/// the request's ID, the one echoed in `x-request-id`. The document, for the
/// caller's own checks. (Its `status` member is not checked here: the task
/// routes put the task's status there, as Python qh does.)
pub fn assert_problem(res: &Answer, status: StatusCode) -> serde_json::Value {
    assert_eq!(res.status, status, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.content_type(), "application/problem+json");
    let problem = res.json();
    assert!(
        problem["type"].as_str().is_some_and(|t| !t.is_empty()),
        "{problem}"
    );
    assert_eq!(
        problem["title"],
        status.canonical_reason().unwrap(),
        "{problem}"
    );
    // RFC 9457: `status` is the HTTP status number (a task's own status,
    // where there is one, is `task_status`).
    assert_eq!(problem["status"], status.as_u16(), "{problem}");
    assert!(
        problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{problem}"
    );
    assert_eq!(problem["request_id"], res.echoed(), "{problem}");
    problem
}

pub fn is_uuid(s: &str, version: usize) -> bool {
    uuid::Uuid::parse_str(s).is_ok_and(|u| u.get_version_num() == version) && s.len() == 36
}
