//! How an endpoint reads its JSON body: in pieces, over a real connection
//! (HTTP/1.1 chunks, which hyper hands to the endpoint as a frame each,
//! written apart here too), and what it keeps of the request meanwhile.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

/// Sends `head` then each of `pieces` (with a pause between, so each is
/// read on its own) to `app` served on loopback; the answer's status line
/// and body.
async fn send_in_pieces(app: axum::Router, pieces: &[&str]) -> (String, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = "POST /add HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                Transfer-Encoding: chunked\r\nTrailer: x-checksum\r\nConnection: close\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    for piece in pieces {
        tokio::time::sleep(Duration::from_millis(20)).await;
        stream.write_all(piece.as_bytes()).await.unwrap();
        stream.flush().await.unwrap();
    }
    let mut raw = Vec::new();
    tokio::time::timeout(common::wait::PATIENCE, stream.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    server.abort();
    let text = String::from_utf8(raw).unwrap();
    let status = text.lines().next().unwrap_or_default().to_owned();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, body.to_owned())
}

/// One HTTP/1.1 chunk of `data`.
fn chunk(data: &str) -> String {
    format!("{:x}\r\n{data}\r\n", data.len())
}

#[tokio::test]
async fn a_body_in_several_frames_is_read_whole() {
    let pieces = [
        chunk(r#"{"a": 4"#),
        chunk(r#"0, "b""#),
        chunk(r#": 2}"#),
        // The last chunk, with a trailer: not part of the JSON.
        "0\r\nx-checksum: 1\r\n\r\n".to_owned(),
    ];
    let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let (status, body) = send_in_pieces(app(), &pieces).await;
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    assert!(body.contains("42"), "{body}");
}

#[tokio::test]
async fn the_body_limit_holds_across_frames() {
    let app = app().layer(axum::extract::DefaultBodyLimit::max(16));
    let pieces = [
        chunk(r#"{"a": 1, "b": 2,"#),
        chunk(r#" "padding": "xx"}"#),
        "0\r\n\r\n".to_owned(),
    ];
    let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let (status, body) = send_in_pieces(app, &pieces).await;
    assert_eq!(status, "HTTP/1.1 413 Payload Too Large", "{body}");
    assert!(body.contains("urn:qh:problem:body-read"), "{body}");
    assert!(body.contains("length limit exceeded"), "{body}");
}

#[tokio::test]
async fn a_malformed_chunk_is_400() {
    // A chunk size that is not hexadecimal: the body cannot be read.
    let pieces = [chunk(r#"{"a": 1,"#), "zz\r\n".to_owned()];
    let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let (status, body) = send_in_pieces(app(), &pieces).await;
    assert_eq!(status, "HTTP/1.1 400 Bad Request", "{body}");
    assert!(body.contains("urn:qh:problem:body-read"), "{body}");
    assert!(body.contains("Failed to buffer the request body"), "{body}");
}

/// A value a middleware stores in the request, noting the request ID
/// current when it is dropped.
#[derive(Clone)]
struct Witness(Drops);

impl Drop for Witness {
    fn drop(&mut self) {
        let id = qh::request_id().map(|id| id.to_string());
        self.0.lock().unwrap().push(id);
    }
}

/// The drops the witnesses note: of a request, the request ID current then.
type Drops = std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>>;

/// `app` behind a middleware that stores a [`Witness`] in every request.
fn witnessed(app: axum::Router) -> (axum::Router, Drops) {
    let seen = Witness(Default::default());
    let log = seen.0.clone();
    let app = app.layer(axum::middleware::map_request(
        move |mut req: axum::extract::Request| {
            let witness = seen.clone();
            async move {
                req.extensions_mut().insert(witness);
                req
            }
        },
    ));
    (app, log)
}

#[tokio::test]
async fn the_request_is_let_go_of_inside_its_scope() {
    // No layer: the endpoint opens the request's scope, and starts the
    // body's read before entering it; what the request carried is still
    // dropped inside it, where its ID is current.
    let (app, log) = witnessed(app());
    let res = send(&app, post_json("/add", r#"{"a": 1, "b": 2}"#)).await;
    assert_eq!(res.status, StatusCode::OK);
    let echoed = res.headers["x-request-id"].to_str().unwrap().to_owned();
    let drops = log.lock().unwrap().clone();
    assert!(!drops.is_empty());
    // The middleware's own copy drops outside; the request's, inside.
    assert!(drops.contains(&Some(echoed)), "{drops:?}");
}

/// An endpoint reading its ID and its body, nothing else.
#[qh::endpoint]
async fn tagged(request_id: qh::RequestId, note: String) -> String {
    format!("{request_id}:{note}")
}

/// The same, its ID read under a header of its own.
#[qh::endpoint]
async fn tagged_by(#[header("X-Correlation-ID")] request_id: String, note: String) -> String {
    format!("{request_id}:{note}")
}

#[tokio::test]
async fn an_endpoint_reading_its_id_and_body_gets_both() {
    let app = qh::routes![tagged, tagged_by];
    let req = post_json_with("/tagged", r#"{"note": "hi"}"#, &[("x-request-id", "tag-1")]);
    let res = send(&app, req).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json(), json!("tag-1:hi"));
    // A body that is not JSON is answered with the same request's ID.
    let req = Request::post("/tagged")
        .header("content-type", "text/plain")
        .header("x-request-id", "tag-2")
        .body(Body::from("hi"))
        .unwrap();
    let res = send(&app, req).await;
    common::assert_problem(&res, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(res.echoed(), "tag-2");
}

#[tokio::test]
async fn an_id_under_its_own_header_and_a_body_are_read() {
    let app = qh::routes![tagged_by];
    let req = post_json_with(
        "/tagged_by",
        r#"{"note": "hi"}"#,
        &[("x-correlation-id", "cor-1")],
    );
    let res = send(&app, req).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json(), json!("cor-1:hi"));
    assert_eq!(res.echoed_under("x-correlation-id"), "cor-1");
}

#[tokio::test]
async fn an_endpoint_reading_its_id_lets_go_of_the_request_inside_its_scope() {
    let (app, log) = witnessed(qh::routes![tagged]);
    let res = send(&app, post_json("/tagged", r#"{"note": "hi"}"#)).await;
    assert_eq!(res.status, StatusCode::OK);
    let echoed = res.echoed();
    assert_eq!(res.json(), json!(format!("{echoed}:hi")));
    let drops = log.lock().unwrap().clone();
    assert!(drops.contains(&Some(echoed)), "{drops:?}");
}
