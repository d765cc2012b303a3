//! A `redis-server` of a test's own on a free 127.0.0.1 port (no
//! persistence), that the test can stop, pause (SIGSTOP), resume and
//! restart, and a minimal RESP client to look at or tamper with its data.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The running server; killed when dropped.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
}

/// `Some(())` when tests may use `redis-server`; otherwise says why on
/// stderr and returns `None`, or fails when `QH_REDIS_REQUIRED=1` (CI).
pub fn available() -> Option<()> {
    let found = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Some(());
    }
    let why = "redis-server is not on PATH";
    assert!(
        std::env::var("QH_REDIS_REQUIRED").as_deref() != Ok("1"),
        "QH_REDIS_REQUIRED=1 but {why}"
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: {why}; install it to run the Redis fault tests ***"
    );
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl RedisServer {
    /// Starts one on a free port and waits (bounded) until it answers PING.
    pub async fn start() -> Self {
        let mut server = Self {
            child: None,
            port: free_port(),
        };
        server.spawn().await;
        server
    }

    /// A server someone else runs on `port` (`QH_REDIS_URL`'s), to look at
    /// its data; this handle never stops it.
    pub fn running_at(port: u16) -> Self {
        Self { child: None, port }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    async fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        for _ in 0..200 {
            if let Ok(reply) = self.try_cmd(&["PING"]).await {
                if reply == Reply::Status("PONG".into()) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("redis-server on port {} never answered PING", self.port);
    }

    /// Kills it (its data is gone, as after a crash).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (empty).
    pub async fn restart(&mut self) {
        self.stop();
        self.spawn().await;
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let ok = Command::new("kill")
            .args([signal, &pid])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill {signal} {pid}");
    }

    /// SIGSTOP: the server keeps its sockets and answers nothing.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// SIGCONT after [`pause`](Self::pause).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    pub async fn connect(&self) -> std::io::Result<Resp> {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).await?;
        Ok(Resp(BufReader::new(stream)))
    }

    async fn try_cmd(&self, args: &[&str]) -> std::io::Result<Reply> {
        let mut conn = self.connect().await?;
        tokio::time::timeout(Duration::from_secs(5), conn.cmd(args))
            .await
            .map_err(|_| std::io::Error::other("no answer"))?
    }

    /// One command on a fresh connection (bounded: 5 s).
    pub async fn cmd(&self, args: &[&str]) -> Reply {
        self.try_cmd(args)
            .await
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if self.child.is_some() {
            // A paused server would ignore SIGTERM; SIGKILL does not care.
            self.stop();
        }
    }
}

/// What Redis answered.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Reply>),
}

impl Reply {
    pub fn text(&self) -> String {
        match self {
            Self::Bulk(Some(b)) => String::from_utf8_lossy(b).into_owned(),
            Self::Status(s) | Self::Error(s) => s.clone(),
            other => format!("{other:?}"),
        }
    }
}

/// A RESP connection.
pub struct Resp(BufReader<TcpStream>);

impl Resp {
    pub async fn cmd(&mut self, args: &[&str]) -> std::io::Result<Reply> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        self.0.get_mut().write_all(&out).await?;
        self.read().await
    }

    /// The next reply (or pushed message, once subscribed).
    pub async fn read(&mut self) -> std::io::Result<Reply> {
        let mut line = String::new();
        self.0.read_line(&mut line).await?;
        let line = line.trim_end();
        let (kind, rest) = line.split_at(1.min(line.len()));
        let number = || rest.parse::<i64>().map_err(std::io::Error::other);
        Ok(match kind {
            "+" => Reply::Status(rest.to_owned()),
            "-" => Reply::Error(rest.to_owned()),
            ":" => Reply::Int(number()?),
            "$" => match usize::try_from(number()?) {
                Ok(len) => {
                    let mut buf = vec![0; len + 2];
                    self.0.read_exact(&mut buf).await?;
                    buf.truncate(len);
                    Reply::Bulk(Some(buf))
                }
                Err(_) => Reply::Bulk(None),
            },
            "*" => {
                let n = number()?;
                let mut items = Vec::new();
                for _ in 0..n.max(0) {
                    items.push(Box::pin(self.read()).await?);
                }
                Reply::Array(items)
            }
            _ => return Err(std::io::Error::other(format!("bad reply line {line:?}"))),
        })
    }
}
