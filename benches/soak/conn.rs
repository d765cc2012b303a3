//! One keep-alive connection, HTTP/1.1 or HTTP/2 with prior knowledge
//! (h2c), that sends its share of the requests one after another and
//! checks every answer.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderName, Request, Response};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use crate::mix::{check_body, uuid_v7, Call, Id, Next, Rng};

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// No answer of the quickstart is near this; a bigger one is a failure.
const MAX_BODY: usize = 64 * 1024;
/// A request slower than this is a failure (results wait up to 10 s).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The most failures one connection describes; the rest are only counted.
const DESCRIBED: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Http1,
    H2c,
}

/// What every connection adds to.
#[derive(Default)]
pub struct Tally {
    pub requests: u64,
    pub failures: u64,
    pub echoed: u64,
    pub replaced: u64,
    pub generated: u64,
    pub reconnects: u64,
    pub by_call: std::collections::BTreeMap<&'static str, u64>,
    pub described: Vec<String>,
}

/// Every fresh ID the server gave, to check that none repeats.
pub type Fresh = Arc<Mutex<HashSet<u128>>>;

enum Sender {
    Http1(hyper::client::conn::http1::SendRequest<Full<Bytes>>),
    H2(hyper::client::conn::http2::SendRequest<Full<Bytes>>),
}

impl Sender {
    async fn open(addr: SocketAddr, protocol: Protocol) -> Result<Self, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let io = TokioIo::new(stream);
        Ok(match protocol {
            Protocol::Http1 => {
                let (send, conn) = hyper::client::conn::http1::handshake(io)
                    .await
                    .map_err(|e| format!("handshake: {e}"))?;
                tokio::spawn(conn);
                Sender::Http1(send)
            }
            Protocol::H2c => {
                let (send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                    .await
                    .map_err(|e| format!("h2c handshake: {e}"))?;
                tokio::spawn(conn);
                Sender::H2(send)
            }
        })
    }

    async fn send(&mut self, req: Request<Full<Bytes>>) -> Result<Response<Incoming>, String> {
        match self {
            Sender::Http1(s) => {
                s.ready().await.map_err(|e| format!("connection: {e}"))?;
                s.send_request(req)
                    .await
                    .map_err(|e| format!("request: {e}"))
            }
            Sender::H2(s) => {
                s.ready().await.map_err(|e| format!("connection: {e}"))?;
                s.send_request(req)
                    .await
                    .map_err(|e| format!("request: {e}"))
            }
        }
    }
}

pub struct Plan {
    pub addr: SocketAddr,
    pub protocol: Protocol,
    pub index: u64,
    pub requests: u64,
    pub deadline: Instant,
    pub hostile_pct: u64,
    pub absent_pct: u64,
}

/// Runs one connection's share; returns its tally.
pub async fn run(plan: Plan, fresh: Fresh, done: Arc<std::sync::atomic::AtomicU64>) -> Tally {
    let mut tally = Tally::default();
    let mut rng = Rng::new(plan.index + 1);
    let mut sender = None;
    let mut pending: Vec<Call> = Vec::new();
    let mut seq = 0;
    while seq < plan.requests && Instant::now() < plan.deadline {
        seq += 1;
        let call = pending.pop().unwrap_or_else(|| Call::pick(&mut rng, seq));
        let unique = format!("soak{}-{}", plan.index, seq);
        let id = Id::pick(&mut rng, &unique, plan.hostile_pct, plan.absent_pct);
        if sender.is_none() {
            match Sender::open(plan.addr, plan.protocol).await {
                Ok(s) => sender = Some(s),
                Err(e) => {
                    fail(&mut tally, &call, &e);
                    // A server that refuses connections ends this one.
                    break;
                }
            }
        }
        let s = sender.as_mut().expect("opened above");
        let outcome = one(s, &plan, &call, &id, &fresh, &mut tally).await;
        tally.requests += 1;
        *tally.by_call.entry(call.name()).or_default() += 1;
        done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match outcome {
            Ok(Next::Nothing) => {}
            Ok(Next::Poll {
                task_id,
                submitted_as,
            }) => {
                // Popped from the end: the result first, then the record.
                pending.push(Call::Record {
                    task_id: task_id.clone(),
                    submitted_as,
                });
                pending.push(Call::Result { task_id });
            }
            Err((e, broken)) => {
                fail(&mut tally, &call, &e);
                if broken {
                    sender = None;
                    tally.reconnects += 1;
                }
            }
        }
    }
    tally
}

fn fail(tally: &mut Tally, call: &Call, e: &str) {
    tally.failures += 1;
    if tally.described.len() < DESCRIBED {
        tally.described.push(format!("{}: {e}", call.name()));
    }
}

/// Sends one request and checks its answer; an error says whether the
/// connection is broken.
async fn one(
    sender: &mut Sender,
    plan: &Plan,
    call: &Call,
    id: &Id,
    fresh: &Fresh,
    tally: &mut Tally,
) -> Result<Next, (String, bool)> {
    let (method, path, body) = call.request();
    let uri = match plan.protocol {
        Protocol::Http1 => path,
        Protocol::H2c => format!("http://{}{path}", plan.addr),
    };
    let mut req = Request::builder().method(method).uri(uri);
    if plan.protocol == Protocol::Http1 {
        req = req.header(http::header::HOST, plan.addr.to_string());
    }
    if body.is_some() {
        req = req.header(http::header::CONTENT_TYPE, "application/json");
    }
    let mut req = req
        .body(Full::new(body.unwrap_or_default()))
        .map_err(|e| (e.to_string(), false))?;
    for value in id.header_values() {
        req.headers_mut().append(X_REQUEST_ID, value);
    }
    let answer = tokio::time::timeout(REQUEST_TIMEOUT, async {
        let res = sender.send(req).await.map_err(|e| (e, true))?;
        let (parts, body) = res.into_parts();
        let bytes = Limited::new(body, MAX_BODY)
            .collect()
            .await
            .map_err(|e| (format!("body: {e}"), true))?
            .to_bytes();
        Ok::<_, (String, bool)>((parts, bytes))
    })
    .await
    .map_err(|_| ("no answer within 30 s".to_owned(), true))??;
    let (parts, bytes) = answer;
    let echoes: Vec<_> = parts.headers.get_all(X_REQUEST_ID).iter().collect();
    let [echo] = echoes[..] else {
        return Err((
            format!("{} x-request-id lines in the answer", echoes.len()),
            false,
        ));
    };
    let echo = echo
        .to_str()
        .map_err(|_| ("echo is not text".to_owned(), false))?;
    match id {
        Id::Valid(sent) if echo == sent => tally.echoed += 1,
        Id::Valid(_) => return Err(("a valid ID was not echoed as sent".into(), false)),
        Id::Hostile(_) | Id::Absent => {
            let Some(n) = uuid_v7(echo) else {
                return Err((format!("echo {echo:?} is not a fresh UUID v7"), false));
            };
            if !fresh.lock().expect("not poisoned").insert(n) {
                return Err((format!("fresh ID {echo} was given twice"), false));
            }
            if matches!(id, Id::Absent) {
                tally.generated += 1;
            } else {
                tally.replaced += 1;
            }
        }
    }
    check_body(call, parts.status, &bytes, echo).map_err(|e| (e, false))
}
