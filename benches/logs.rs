//! The per-event cost of `qh::logs` beside `tracing-subscriber`'s own JSON
//! format. Every variant formats one `info!(order = 7, "placed")` event into
//! a discarded line (`std::io::sink`), timestamp included.
//!
//! - `fmt_json`: `tracing_subscriber::fmt().json()`, outside any span;
//! - `fmt_json_span`: the same inside an entered `request` span carrying
//!   `request_id` (how the ID reached lines before `qh::logs`, and only when
//!   the filter lets the span through);
//! - `qh_outside`: `qh::logs::json()` outside a request;
//! - `qh_request`: inside a request (ID + W3C trace context in the context
//!   store), its span filtered out: the `RUST_LOG="warn,app=info"` case;
//! - `qh_request_span`: inside a request whose span is enabled too.
//!
//! ```text
//! cargo bench --bench logs                                   # wall time (divan)
//! QH_LOG_COUNT=qh_request QH_COUNT_N=20000 valgrind --tool=callgrind target/release/deps/logs-*
//! ```
//!
//! With `QH_LOG_COUNT=<variant>` the binary emits `QH_COUNT_N` events
//! (default 10 000) instead of benchmarking, for instruction counting: run
//! it with two counts and divide the difference by the difference in events.

use std::hint::black_box;

use qh::context::Context;
use qh::trace_context::TraceContext;
use qh::RequestId;

const VARIANTS: &[&str] = &[
    "fmt_json",
    "fmt_json_span",
    "qh_outside",
    "qh_request",
    "qh_request_span",
];

fn subscriber(variant: &str) -> tracing::Dispatch {
    if variant.starts_with("fmt_json") {
        tracing::Dispatch::new(
            tracing_subscriber::fmt()
                .json()
                .with_env_filter("info")
                .with_writer(std::io::sink)
                .finish(),
        )
    } else {
        let filter = if variant == "qh_request_span" {
            "info"
        } else {
            // The request span below has this target: dropped, as qh's is
            // under `warn,app=info`.
            "info,request_span=off"
        };
        tracing::Dispatch::new(
            qh::logs::json()
                .filter(filter)
                .writer(std::io::sink)
                .finish(),
        )
    }
}

fn event() {
    tracing::info!(order = black_box(7u64), "placed");
}

/// Runs `body` the way `variant` needs: in a request context and/or span.
fn run(variant: &str, body: impl FnOnce()) {
    let span = || tracing::info_span!(target: "request_span", "request", request_id = "9f1c2a3b-4d5e-4f60-8a7b-1c2d3e4f5a6b", method = "POST", route = "/orders");
    match variant {
        "fmt_json" | "qh_outside" => body(),
        "fmt_json_span" => span().in_scope(body),
        _ => {
            let ctx = Context::new(RequestId::from_static(
                "9f1c2a3b-4d5e-4f60-8a7b-1c2d3e4f5a6b",
            ));
            ctx.sync_scope(|| {
                qh::context::insert(TraceContext::new_root());
                span().in_scope(body)
            });
        }
    }
}

#[divan::bench(args = VARIANTS)]
fn per_event(bencher: divan::Bencher, variant: &str) {
    tracing::dispatcher::with_default(&subscriber(variant), || {
        run(variant, || bencher.bench_local(event));
    });
}

fn main() {
    if let Ok(variant) = std::env::var("QH_LOG_COUNT") {
        let n: usize = std::env::var("QH_COUNT_N")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(10_000);
        tracing::dispatcher::with_default(&subscriber(&variant), || {
            run(&variant, || {
                for _ in 0..n {
                    event();
                }
            });
        });
        return;
    }
    divan::main();
}
