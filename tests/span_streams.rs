//! The request's scope lasts until its response body ends: every poll of a
//! streamed body or SSE stream runs in the request's context and span, and
//! the request completes (status, latency, access line) when the body ends,
//! or is recorded as aborted when the body is dropped before its end.

mod common;

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};

use axum::body::{Body, HttpBody};
use axum::http::{Request, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use common::capture::{json_logs, Capture};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::mpsc;
use tower::{Service, ServiceExt};

/// A body of three chunks, each naming the ID current when it was polled;
/// the third waits for `gate`, so a test can look in between.
fn gated_chunks(gate: mpsc::Receiver<()>) -> Body {
    let chunks = stream::unfold((0, gate), |(n, mut gate)| async move {
        if n == 3 {
            return None;
        }
        if n == 2 {
            gate.recv().await;
        }
        tracing::info!(chunk = n, "sending chunk");
        let id = qh::request_id().map_or("none".to_owned(), |id| id.to_string());
        Some((Ok::<_, Infallible>(format!("{n}:{id};")), (n + 1, gate)))
    });
    Body::from_stream(chunks)
}

fn ids_stream() -> impl Stream<Item = Result<Event, Infallible>> {
    stream::iter(0..3).then(|n| async move {
        tokio::task::yield_now().await;
        tracing::info!(event = n, "sending event");
        let id = qh::request_id().map_or("none".to_owned(), |id| id.to_string());
        Ok(Event::default().data(format!("{n}:{id}")))
    })
}

#[qh::endpoint(method = "GET", path = "/events")]
async fn events() -> impl IntoResponse {
    Sse::new(ids_stream())
}

/// Reads the whole body of `res`.
async fn text(res: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn access_lines(capture: &Capture) -> Vec<serde_json::Value> {
    capture
        .lines()
        .into_iter()
        .filter(|l| l["target"] == "qh::access")
        .collect()
}

/// `GET /download` with `id`, under the layer with the access line on: the
/// response (its head only, the body unread) and the sender that lets the
/// body's third chunk go.
async fn download(id: &str) -> (axum::response::Response, mpsc::Sender<()>) {
    let (open, gate) = mpsc::channel(1);
    let gate = std::sync::Arc::new(std::sync::Mutex::new(Some(gate)));
    let app = Router::new()
        .route(
            "/download",
            get(move || {
                let gate = gate.lock().unwrap().take().unwrap();
                async move { gated_chunks(gate) }
            }),
        )
        .layer(qh::Tracking::new().access_log(true));
    let req = Request::get("/download")
        .header("x-request-id", id)
        .body(Body::empty())
        .unwrap();
    (app.oneshot(req).await.unwrap(), open)
}

#[tokio::test]
async fn a_streamed_body_is_polled_in_the_context_and_completes_at_its_end() {
    let capture = Capture::default();
    let _logs = json_logs(&capture);
    let (res, open) = download("stream-1").await;
    assert_eq!(res.headers()["x-request-id"], "stream-1");
    // The head is out, the body is not: the request has not completed.
    assert!(access_lines(&capture).is_empty(), "{:?}", capture.lines());
    open.send(()).await.unwrap();
    assert_eq!(text(res).await, "0:stream-1;1:stream-1;2:stream-1;");
    let access = access_lines(&capture);
    assert_eq!(access.len(), 1, "{access:?}");
    assert_eq!(access[0]["fields"]["status"], 200);
    assert_eq!(access[0]["request_id"], "stream-1");
    assert!(access[0]["fields"].get("outcome").is_none(), "{access:?}");
    // Log lines written while the body was polled carry the ID.
    let chunks: Vec<_> = capture
        .lines()
        .into_iter()
        .filter(|l| l["fields"]["message"] == "sending chunk")
        .collect();
    assert_eq!(chunks.len(), 3);
    for line in chunks {
        assert_eq!(line["request_id"], "stream-1", "{line}");
        assert_eq!(line["span"]["request_id"], "stream-1", "{line}");
    }
}

#[tokio::test]
async fn a_body_dropped_before_its_end_is_recorded_as_aborted() {
    let capture = Capture::default();
    let _logs = json_logs(&capture);
    let (res, _open) = download("gone-1").await;
    let mut body = res.into_body();
    // Two chunks, then the client goes away while the third waits.
    for expected in ["0:gone-1;", "1:gone-1;"] {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(frame.into_data().unwrap(), expected);
    }
    assert!(access_lines(&capture).is_empty());
    drop(body);
    let access = access_lines(&capture);
    assert_eq!(access.len(), 1, "{access:?}");
    assert_eq!(access[0]["fields"]["outcome"], "aborted");
    assert_eq!(access[0]["request_id"], "gone-1");
}

#[tokio::test]
async fn sse_from_an_endpoint_keeps_the_id_with_and_without_the_layer() {
    // A subscriber of its own (see `json_logs`).
    let _logs = json_logs(&Capture::default());
    for layered in [false, true] {
        let mut app = qh::routes![events];
        if layered {
            app = app.layer(qh::Tracking::new());
        }
        let res = app
            .oneshot(
                Request::get("/events")
                    .header("x-request-id", "sse-1")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["x-request-id"], "sse-1");
        assert_eq!(res.headers().get_all("x-request-id").iter().count(), 1);
        let body = text(res).await;
        assert_eq!(
            body, "data: 0:sse-1\n\ndata: 1:sse-1\n\ndata: 2:sse-1\n\n",
            "layered: {layered}"
        );
    }
}

#[tokio::test]
async fn an_endpoint_without_the_layer_polls_its_body_in_its_own_scope() {
    let capture = Capture::default();
    let _logs = json_logs(&capture);
    let res = qh::routes![events]
        .oneshot(Request::get("/events").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body = text(res).await;
    assert!(body.contains(&format!("data: 2:{id}")), "{body}");
    // Each event was made inside the endpoint's own scope: its context and
    // its span.
    let lines: Vec<_> = capture
        .lines()
        .into_iter()
        .filter(|l| l["fields"]["message"] == "sending event")
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for line in lines {
        assert_eq!(line["request_id"], id.as_str(), "{line}");
        assert_eq!(line["span"]["request_id"], id.as_str(), "{line}");
        assert_eq!(line["span"]["route"], "/events", "{line}");
    }
}

#[tokio::test]
async fn concurrent_streams_never_see_each_others_ids() {
    // A subscriber of its own (see `json_logs`).
    let _logs = json_logs(&Capture::default());
    let app = qh::routes![events].layer(qh::Tracking::new());
    let calls = (0..20).map(|i| {
        let app = app.clone();
        tokio::spawn(async move {
            let id = format!("c-{i}");
            let res = app
                .oneshot(
                    Request::get("/events")
                        .header("x-request-id", &id)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            (id, text(res).await)
        })
    });
    for call in calls {
        let (id, body) = call.await.unwrap();
        assert_eq!(
            body,
            format!("data: 0:{id}\n\ndata: 1:{id}\n\ndata: 2:{id}\n\n")
        );
    }
}

#[tokio::test]
async fn a_panicking_body_ends_with_an_error_and_is_recorded_as_failed() {
    let capture = Capture::default();
    let _logs = json_logs(&capture);
    let app = Router::new()
        .route(
            "/boom",
            get(|| async {
                let chunks = stream::iter(0..2).map(|n| {
                    assert!(n == 0, "the stream broke");
                    Ok::<_, Infallible>("first")
                });
                Body::from_stream(chunks)
            }),
        )
        .layer(qh::Tracking::new().access_log(true));
    let res = app
        .oneshot(
            Request::get("/boom")
                .header("x-request-id", "boom-1")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let read = axum::body::to_bytes(res.into_body(), 1 << 20).await;
    assert!(
        read.is_err(),
        "a broken stream is an error, not a short success"
    );
    let lines = capture.lines();
    let panic_line = lines
        .iter()
        .find(|l| l["fields"]["message"] == "response body panicked")
        .expect("the panic is logged");
    assert_eq!(panic_line["request_id"], "boom-1");
    let access = access_lines(&capture);
    assert_eq!(access.len(), 1, "{access:?}");
    assert_eq!(access[0]["fields"]["outcome"], "failed");
}

#[tokio::test]
async fn a_tracking_future_polled_after_completion_does_not_answer_again() {
    let router = Router::new().route("/", get(|| async { "hello" }));
    let mut service = tower::Layer::layer(&qh::Tracking::new(), router);
    let future = service.call(Request::get("/").body(Body::empty()).unwrap());
    let mut future = pin!(future);
    let mut cx = TaskContext::from_waker(Waker::noop());
    let first = loop {
        if let Poll::Ready(res) = future.as_mut().poll(&mut cx) {
            break res.unwrap();
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(first.status(), StatusCode::OK);
    let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = future.as_mut().poll(&mut cx);
    }));
    assert!(again.is_err(), "a second poll must not answer an empty 200");
}
