//! WebSocket sessions that keep the upgrading request's ID (feature `ws`):
//! inside the session `qh::request_id()` is that request's, and every log
//! line carries it.
//!
//! ```text
//! cargo run --example ws --features ws     # 127.0.0.1:3000 (PORT=… to change)
//! websocat ws://127.0.0.1:3000/echo -H 'X-Request-ID: chat-1'
//! ```

use axum::routing::get;
use axum::Router;
use qh::ws::{Message, WebSocket, WebSocketUpgrade};

/// Echoes each text message, prefixed with the upgrading request's ID.
async fn echo(ws: WebSocketUpgrade) -> axum::response::Response {
    ws.on_upgrade(|mut socket: WebSocket| async move {
        while let Some(Ok(Message::Text(text))) = socket.recv().await {
            tracing::info!(%text, "message"); // carries request_id
            let id = qh::request_id().expect("the upgrading request's ID");
            if socket
                .send(Message::text(format!("{id}: {text}")))
                .await
                .is_err()
            {
                break;
            }
        }
    })
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    qh::logs::json().init();
    let app = Router::new()
        .route("/echo", get(echo))
        .layer(qh::Tracking::new());
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("listening on ws://127.0.0.1:{port}/echo");
    axum::serve(listener, app).await
}
