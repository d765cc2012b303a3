//! A soak on loopback: N requests over M keep-alive connections (half
//! HTTP/1.1, half HTTP/2 with prior knowledge) to the quickstart, every
//! answer checked, the server's memory compared before and after.
//!
//! ```text
//! cargo build --release --example quickstart
//! cargo run --release -p qh-bench --bin soak -- \
//!     --server target/release/examples/quickstart --requests 1000000 --connections 64 --time 900
//! ```
//!
//! `--server PATH` starts the quickstart on `--port` (default 3917) with its
//! output discarded and stops it at the end; without it, give `--port` and
//! `--pid` of a quickstart already running. Only 127.0.0.1 is ever used.
//! The run ends after `--requests` or `--time` seconds, whichever comes
//! first, and exits non-zero on any failed check or when the server's RSS
//! grew by more than `--rss-growth-mib` (default 32) between the end of the
//! warm-up (the first 10% of requests: task records fill the store's
//! bounded capacity there) and the end.

mod conn;
mod mix;
mod rss;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conn::{Plan, Protocol, Tally};

struct Options {
    port: u16,
    server: Option<String>,
    pid: Option<u32>,
    requests: u64,
    connections: u64,
    seconds: u64,
    hostile_pct: u64,
    absent_pct: u64,
    rss_growth_mib: u64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        port: 3917,
        server: None,
        pid: None,
        requests: 100_000,
        connections: 32,
        seconds: 600,
        hostile_pct: 10,
        absent_pct: 10,
        rss_growth_mib: 32,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {value}"))
        };
        match flag.as_str() {
            "--port" => o.port = value.parse().map_err(|_| format!("--port: {value}"))?,
            "--server" => o.server = Some(value),
            "--pid" => o.pid = Some(value.parse().map_err(|_| format!("--pid: {value}"))?),
            "--requests" => o.requests = number()?,
            "--connections" => o.connections = number()?.max(1),
            "--time" => o.seconds = number()?,
            "--hostile" => o.hostile_pct = number()?.min(100),
            "--absent" => o.absent_pct = number()?.min(100),
            "--rss-growth-mib" => o.rss_growth_mib = number()?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if o.hostile_pct + o.absent_pct > 100 {
        return Err("--hostile and --absent add up to more than 100".into());
    }
    Ok(o)
}

#[tokio::main]
async fn main() -> ExitCode {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, o.port));
    let mut child = match &o.server {
        Some(path) => match Command::new(path)
            .env("PORT", o.port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => Some(child),
            Err(e) => {
                eprintln!("soak: cannot start {path}: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let pid = child.as_ref().map(std::process::Child::id).or(o.pid);
    let code = match listening(addr).await {
        Ok(()) => soak(&o, addr, pid).await,
        Err(e) => {
            eprintln!("soak: {e}");
            ExitCode::from(2)
        }
    };
    if let Some(child) = &mut child {
        let _ = child.kill();
        let _ = child.wait();
    }
    code
}

/// Waits (at most 30 s) until the server accepts connections.
async fn listening(addr: SocketAddr) -> Result<(), String> {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("nothing listens on {addr} after 30 s"))
}

async fn soak(o: &Options, addr: SocketAddr, pid: Option<u32>) -> ExitCode {
    let start_rss = pid.and_then(rss::kib);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(o.seconds);
    let done = Arc::new(AtomicU64::new(0));
    let fresh = Arc::new(Mutex::new(Default::default()));
    let mut tasks = Vec::new();
    for index in 0..o.connections {
        let share = o.requests / o.connections + u64::from(index < o.requests % o.connections);
        let plan = Plan {
            addr,
            protocol: if index % 2 == 0 {
                Protocol::Http1
            } else {
                Protocol::H2c
            },
            index,
            requests: share,
            deadline,
            hostile_pct: o.hostile_pct,
            absent_pct: o.absent_pct,
        };
        tasks.push(tokio::spawn(conn::run(plan, fresh.clone(), done.clone())));
    }
    // The RSS once the warm-up is over, sampled by a watcher that ends with
    // the run.
    let warmup = o.requests / 10;
    let watcher = {
        let done = done.clone();
        tokio::spawn(async move {
            while done.load(Ordering::Relaxed) < warmup && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            pid.and_then(rss::kib)
        })
    };
    let mut total = Tally::default();
    for task in tasks {
        match task.await {
            Ok(t) => add(&mut total, t),
            Err(e) => {
                total.failures += 1;
                total
                    .described
                    .push(format!("a connection task ended: {e}"));
            }
        }
    }
    let elapsed = started.elapsed();
    let warm_rss = watcher.await.ok().flatten();
    let end_rss = pid.and_then(rss::kib);
    report(
        o,
        &total,
        elapsed,
        elapsed >= Duration::from_secs(o.seconds),
    );
    let grown = match (warm_rss, end_rss) {
        (Some(w), Some(e)) => {
            let growth = e.saturating_sub(w);
            println!(
                "soak: server RSS {} at start, {} after warm-up ({warmup} requests), {} at end: +{} (bound +{} MiB)",
                rss::show(start_rss),
                rss::show(warm_rss),
                rss::show(end_rss),
                rss::show(Some(growth)),
                o.rss_growth_mib
            );
            growth > o.rss_growth_mib * 1024
        }
        _ => {
            println!("soak: server RSS not read (give --server or --pid)");
            false
        }
    };
    if total.failures == 0 && !grown {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn add(total: &mut Tally, t: Tally) {
    total.requests += t.requests;
    total.failures += t.failures;
    total.echoed += t.echoed;
    total.replaced += t.replaced;
    total.generated += t.generated;
    total.reconnects += t.reconnects;
    for (k, v) in t.by_call {
        *total.by_call.entry(k).or_default() += v;
    }
    total.described.extend(t.described);
}

fn report(o: &Options, t: &Tally, elapsed: Duration, timed_out: bool) {
    let secs = elapsed.as_secs_f64();
    println!(
        "soak: {} requests over {} connections ({} HTTP/1.1, {} h2c) in {secs:.1} s, {:.0} requests/s{}",
        t.requests,
        o.connections,
        o.connections.div_ceil(2),
        o.connections / 2,
        t.requests as f64 / secs,
        if timed_out { " (stopped by --time)" } else { "" }
    );
    println!(
        "soak: IDs: {} valid echoed as sent, {} hostile replaced, {} absent generated (fresh UUID v7s, none repeated)",
        t.echoed, t.replaced, t.generated
    );
    let calls: Vec<String> = t.by_call.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("soak: calls: {}", calls.join(", "));
    println!(
        "soak: failures: {}, reconnects: {}",
        t.failures, t.reconnects
    );
    for d in t.described.iter().take(20) {
        println!("soak:   {d}");
    }
}
