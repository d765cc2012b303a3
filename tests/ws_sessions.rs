//! `qh::ws::WebSocketUpgrade`: a WebSocket session keeps the upgrading
//! request's context (ID, log lines, a `websocket` span), the `101` echoes
//! the ID, and concurrent sessions never see each other's IDs. Real
//! sessions on 127.0.0.1 with tokio-tungstenite as the client.

mod common;

use std::net::SocketAddr;

use axum::response::Response;
use axum::routing::get;
use axum::Router;
use common::capture::{json_logs, Capture};
use futures_util::{SinkExt, StreamExt};
use qh::ws::{Message, WebSocket, WebSocketUpgrade};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as ClientMessage;

/// Answers each text message with `"{id} {text}"`, `id` read from the
/// context store inside the session.
async fn echo_ids(mut socket: WebSocket) {
    while let Some(Ok(msg)) = socket.recv().await {
        let Message::Text(text) = msg else { break };
        let id = qh::request_id().map_or("none".to_owned(), |id| id.to_string());
        if socket
            .send(Message::text(format!("{id} {text}")))
            .await
            .is_err()
        {
            break;
        }
    }
}

async fn chat(ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(echo_ids)
}

/// Logs each message it gets: a callsite of its own, met only by the test
/// that listens (tracing caches a callsite's interest process-wide, and
/// the other tests here run with no subscriber).
async fn logged_chat(ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(|mut socket: WebSocket| async move {
        while let Some(Ok(Message::Text(text))) = socket.recv().await {
            tracing::info!(text = %text, "ws message");
            if socket.send(Message::text(text)).await.is_err() {
                break;
            }
        }
    })
}

#[qh::endpoint(method = "GET", path = "/endpoint-chat")]
async fn endpoint_chat(#[extract] ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(echo_ids)
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Opens a session with `id` as its `X-Request-ID`, sends `texts`, and
/// returns the `101`'s echoed ID and the replies.
async fn session(
    addr: SocketAddr,
    path: &str,
    id: Option<&str>,
    texts: &[&str],
) -> (String, Vec<String>) {
    let mut req = format!("ws://{addr}{path}").into_client_request().unwrap();
    if let Some(id) = id {
        req.headers_mut()
            .insert("x-request-id", id.parse().unwrap());
    }
    let (mut socket, res) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(res.status(), 101);
    let echoed = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let mut replies = Vec::new();
    for text in texts {
        socket.send(ClientMessage::text(*text)).await.unwrap();
        let reply = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("a reply")
            .unwrap()
            .unwrap();
        replies.push(reply.into_text().unwrap().to_string());
    }
    socket.close(None).await.unwrap();
    (echoed, replies)
}

#[tokio::test]
async fn a_session_keeps_the_upgrading_requests_id() {
    let _logs = json_logs(&Capture::default());
    let app = Router::new()
        .route("/chat", get(chat))
        .layer(qh::Tracking::new());
    let addr = serve(app).await;
    let (echoed, replies) = session(addr, "/chat", Some("ws-1"), &["a", "b"]).await;
    assert_eq!(echoed, "ws-1");
    assert_eq!(replies, ["ws-1 a", "ws-1 b"]);
    // No ID sent: the generated one is echoed on the 101 and kept inside.
    let (echoed, replies) = session(addr, "/chat", None, &["c"]).await;
    assert!(common::is_uuid(&echoed, 4), "{echoed}");
    assert_eq!(replies, [format!("{echoed} c")]);
}

#[tokio::test]
async fn an_endpoint_takes_it_as_an_extract_parameter_with_or_without_the_layer() {
    let _logs = json_logs(&Capture::default());
    for layered in [false, true] {
        let mut app = qh::routes![endpoint_chat];
        if layered {
            app = app.layer(qh::Tracking::new());
        }
        let addr = serve(app).await;
        let (echoed, replies) = session(addr, "/endpoint-chat", Some("ep-1"), &["x"]).await;
        assert_eq!(echoed, "ep-1", "layered: {layered}");
        assert_eq!(replies, ["ep-1 x"], "layered: {layered}");
    }
}

#[tokio::test]
async fn concurrent_sessions_never_see_each_others_ids() {
    let _logs = json_logs(&Capture::default());
    let app = Router::new()
        .route("/chat", get(chat))
        .layer(qh::Tracking::new());
    let addr = serve(app).await;
    let sessions = (0..10).map(|i| {
        tokio::spawn(async move {
            let id = format!("s-{i}");
            let texts: Vec<String> = (0..5).map(|n| n.to_string()).collect();
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            let (_, replies) = session(addr, "/chat", Some(&id), &texts).await;
            (id, replies)
        })
    });
    for s in sessions {
        let (id, replies) = s.await.unwrap();
        let expected: Vec<String> = (0..5).map(|n| format!("{id} {n}")).collect();
        assert_eq!(replies, expected);
    }
}

#[tokio::test]
async fn log_lines_in_a_session_carry_the_id_and_its_span() {
    let capture = Capture::default();
    let _logs = json_logs(&capture);
    let app = Router::new()
        .route("/logged", get(logged_chat))
        .layer(qh::Tracking::new());
    let addr = serve(app).await;
    session(addr, "/logged", Some("log-1"), &["hello"]).await;
    let lines: Vec<_> = capture
        .lines()
        .into_iter()
        .filter(|l| l["fields"]["message"] == "ws message")
        .collect();
    assert_eq!(lines.len(), 1, "{:?}", capture.lines());
    assert_eq!(lines[0]["request_id"], "log-1");
    assert_eq!(lines[0]["span"]["name"], "websocket");
    assert_eq!(lines[0]["span"]["request_id"], "log-1");
}

#[tokio::test]
async fn a_plain_get_without_upgrade_headers_is_a_problem_with_the_id() {
    let _logs = json_logs(&Capture::default());
    let app = Router::new()
        .route("/chat", get(chat))
        .layer(qh::Tracking::new());
    let res = common::send(
        &app,
        common::get_with("/chat", &[("x-request-id", "no-up")]),
    )
    .await;
    assert_eq!(res.status, 400);
    assert_eq!(res.content_type(), "application/problem+json");
    assert_eq!(res.json()["request_id"], "no-up");
}
