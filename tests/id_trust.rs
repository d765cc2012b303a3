//! Trust by peer network: `Tracking::trust_incoming(qh::Trust::peers(…))`
//! keeps the IDs of peers in the listed networks and replaces everyone
//! else's, keeping their valid value beside the server's, never echoed.

mod common;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::routing::get;
use axum::Router;
use common::{get_with, is_uuid, send};
use qh::{Tracking, Trust};

async fn ids() -> String {
    let id = qh::request_id().unwrap();
    let client = qh::context::client_request_id().map_or("-".to_owned(), |c| c.to_string());
    format!("{id} {client}")
}

fn app(trust: Trust) -> Router {
    Router::new()
        .route("/", get(ids))
        .layer(Tracking::new().trust_incoming(trust))
}

fn from_peer(peer: &str, id: &str) -> axum::http::Request<axum::body::Body> {
    let mut req = get_with("/", &[("x-request-id", id)]);
    req.extensions_mut()
        .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    req
}

#[tokio::test]
async fn ids_from_trusted_networks_are_kept_and_others_replaced() {
    let app = app(Trust::peers(["10.0.0.0/8", "fd00::/8", "192.168.1.7"]).unwrap());
    for peer in [
        "10.1.2.3:4000",
        "[fd00::9]:80",
        "192.168.1.7:1",
        "[::ffff:10.0.0.1]:5",
    ] {
        let res = send(&app, from_peer(peer, "mesh-1")).await;
        assert_eq!(res.echoed(), "mesh-1", "{peer}");
        assert_eq!(res.text(), "mesh-1 -", "{peer}");
    }
    for peer in ["192.168.1.8:1", "8.8.8.8:443", "[fe80::1]:80"] {
        let res = send(&app, from_peer(peer, "client-1")).await;
        let echoed = res.echoed();
        assert!(is_uuid(&echoed, 4), "{peer}: {echoed}");
        // The client's value is kept beside the server's, never echoed.
        assert_eq!(res.text(), format!("{echoed} client-1"), "{peer}");
    }
}

#[tokio::test]
async fn a_request_without_connection_info_is_not_trusted() {
    let app = app(Trust::peers(["0.0.0.0/0", "::/0"]).unwrap());
    let res = send(&app, get_with("/", &[("x-request-id", "no-peer")])).await;
    assert_ne!(res.echoed(), "no-peer");
    assert!(res.text().ends_with(" no-peer"), "{}", res.text());
}

#[tokio::test]
async fn trust_applies_to_ids_from_traceparent_too() {
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let app = Router::new().route("/", get(ids)).layer(
        Tracking::new()
            .trust_incoming(Trust::peers(["10.0.0.0/8"]).unwrap())
            .id_from_traceparent(true),
    );
    let mut trusted = get_with("/", &[("traceparent", traceparent)]);
    trusted
        .extensions_mut()
        .insert(ConnectInfo("10.0.0.2:1".parse::<SocketAddr>().unwrap()));
    assert_eq!(
        send(&app, trusted).await.echoed(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    let mut outside = get_with("/", &[("traceparent", traceparent)]);
    outside
        .extensions_mut()
        .insert(ConnectInfo("11.0.0.2:1".parse::<SocketAddr>().unwrap()));
    assert!(is_uuid(&send(&app, outside).await.echoed(), 4));
}

#[tokio::test]
async fn the_peer_comes_from_a_real_connection_on_loopback() {
    for (nets, kept) in [(["127.0.0.0/8"], true), (["10.0.0.0/8"], false)] {
        let app = app(Trust::peers(nets).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        let res = reqwest::Client::new()
            .get(format!("http://{addr}/"))
            .header("x-request-id", "loop-1")
            .send()
            .await
            .unwrap();
        let echoed = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(echoed == "loop-1", kept, "{nets:?}: {echoed}");
        server.abort();
    }
}

/// Without an exporter too, the trace is the trusted peers' to continue:
/// an untrusted one's `traceparent` and `tracestate` are not forwarded.
#[tokio::test]
async fn trust_covers_the_trace_of_outbound_calls() {
    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    async fn outbound() -> String {
        let out = qh::propagation::headers();
        let tracestate = out.get("tracestate").map_or("-", |v| v.to_str().unwrap());
        format!("{} {tracestate}", out["traceparent"].to_str().unwrap())
    }
    let app = Router::new()
        .route("/", get(outbound))
        .layer(Tracking::new().trust_incoming(Trust::peers(["10.0.0.0/8"]).unwrap()));
    let from = |peer: &str| {
        let mut req = get_with(
            "/",
            &[
                ("traceparent", &format!("00-{TRACE}-00f067aa0ba902b7-00")),
                ("tracestate", "rojo=1"),
            ],
        );
        req.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        req
    };
    let trusted = send(&app, from("10.0.0.1:1")).await;
    let trusted = trusted.text();
    assert!(trusted.starts_with(&format!("00-{TRACE}-")), "{trusted}");
    assert!(trusted.ends_with("-00 rojo=1"), "{trusted}");
    let untrusted = send(&app, from("8.8.8.8:1")).await;
    let untrusted = untrusted.text();
    assert!(!untrusted.contains(TRACE), "{untrusted}");
    // A new trace qh started: sampled and random, no tracestate.
    assert!(untrusted.ends_with("-03 -"), "{untrusted}");
}
