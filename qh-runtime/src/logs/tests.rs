use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::*;
use crate::context::{self, Context};
use crate::id::RequestId;
use crate::trace_context::TraceContext;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn lines(&self) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

fn capture(filter: &str) -> (Capture, tracing::subscriber::DefaultGuard) {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = json()
        .filter(filter)
        .writer(move || writer.clone())
        .finish();
    (capture, tracing::subscriber::set_default(subscriber))
}

#[test]
fn lines_inside_a_request_carry_its_ids_outside_none() {
    let (out, _guard) = capture("info");
    tracing::info!("before");
    let tc = TraceContext::new_root();
    Context::new(RequestId::from_static("req-1"))
        .with_client_id(Some(RequestId::from_static("theirs")))
        .sync_scope(|| {
            context::insert(tc.clone());
            tracing::warn!(n = 3, "inside");
        });
    let lines = out.lines();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["fields"]["message"], "before");
    for key in ["request_id", "client_request_id", "trace_id", "span_id"] {
        assert!(lines[0].get(key).is_none(), "{key}: {}", lines[0]);
    }
    let inside = &lines[1];
    assert_eq!(inside["request_id"], "req-1");
    assert_eq!(inside["client_request_id"], "theirs");
    assert_eq!(inside["trace_id"], tc.trace_id().to_string());
    assert_eq!(inside["span_id"], tc.span_id().to_string());
    assert_eq!(inside["level"], "WARN");
    assert_eq!(inside["target"], module_path!());
    assert_eq!(inside["fields"]["n"], 3);
    // RFC 3339 in UTC with microseconds, the time the line was written.
    let stamp = inside["timestamp"].as_str().unwrap();
    let shape: String = stamp
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect();
    assert_eq!(shape, "9999-99-99T99:99:99.999999Z", "{stamp}");
    let at = humantime::parse_rfc3339(stamp).unwrap();
    let age = std::time::SystemTime::now().duration_since(at).unwrap();
    assert!(age < std::time::Duration::from_secs(60), "{stamp}");
}

#[test]
fn filtered_out_spans_do_not_take_the_id_away() {
    let (out, _guard) = capture("warn,qh_runtime::logs=info");
    Context::new(RequestId::from_static("req-2")).sync_scope(|| {
        // A span of a target the filter drops, like qh's request span.
        let span = tracing::info_span!(target: "elsewhere", "request", request_id = "req-2");
        let _entered = span.enter();
        tracing::info!("kept");
    });
    let lines = out.lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["request_id"], "req-2");
    assert!(lines[0].get("spans").is_none(), "{}", lines[0]);
}

#[test]
fn enabled_spans_are_listed_root_first_with_their_fields() {
    let (out, _guard) = capture("info");
    let outer = tracing::info_span!("outer", a = 1);
    let inner = tracing::info_span!(parent: &outer, "inner", b = "two");
    inner.in_scope(|| tracing::info!("deep"));
    let line = &out.lines()[0];
    assert_eq!(line["spans"][0]["name"], "outer");
    assert_eq!(line["spans"][0]["a"], 1);
    assert_eq!(line["spans"][1]["name"], "inner");
    assert_eq!(line["span"]["b"], "two");
}

#[test]
fn every_field_type_is_valid_json() {
    let (out, _guard) = capture("info");
    let err = io::Error::other("disk \"full\"");
    tracing::info!(
        s = "quote \" and \\ and \n",
        b = true,
        i = -4i64,
        u = 5u64,
        f = 1.5f64,
        nan = f64::NAN,
        small = 1.25e-7f64,
        min = i64::MIN,
        big = 1u128 << 100,
        d = ?vec!["x"],
        e = &err as &(dyn std::error::Error + 'static),
        "{} formatted", 1
    );
    let raw = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    assert!(raw.contains(&format!("\"big\":{}", 1u128 << 100)), "{raw}");
    let f = &out.lines()[0]["fields"];
    assert_eq!(f["message"], "1 formatted");
    assert_eq!(f["s"], "quote \" and \\ and \n");
    assert_eq!(f["b"], true);
    assert_eq!(f["i"], -4);
    assert_eq!(f["u"], 5);
    assert_eq!(f["f"], 1.5);
    assert_eq!(f["nan"], "NaN");
    assert_eq!(f["small"], 1.25e-7);
    assert_eq!(f["min"], i64::MIN);
    assert_eq!(f["d"], "[\"x\"]");
    assert_eq!(f["e"], "disk \"full\"");
}

#[test]
fn format_options_drop_timestamp_and_spans() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = json()
        .filter("info")
        .format(JsonFormat::new().timestamp(false).spans(false))
        .writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("s").in_scope(|| tracing::info!("x"));
    });
    let line = &capture.lines()[0];
    assert!(line.get("timestamp").is_none() && line.get("spans").is_none());
    // The line still starts with a member, not a stray comma.
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(text.starts_with("{\"level\":\"INFO\""), "{text}");
}

/// Lines inside an exported span carry its IDs, not the W3C context's;
/// a subscriber without the OpenTelemetry layer, in the same process and
/// thread, keeps the W3C context's.
#[cfg(feature = "opentelemetry")]
#[test]
fn the_exported_span_takes_precedence_over_the_w3c_context() {
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    use tracing_subscriber::prelude::*;

    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(InMemorySpanExporter::default())
        .build();
    let exported = Capture::default();
    let writer = exported.clone();
    let with_otel = tracing_subscriber::registry()
        .with(layer().with_writer(move || writer.clone()))
        .with(crate::otel::layer(&provider));
    let plain_out = Capture::default();
    let writer = plain_out.clone();
    let plain = tracing_subscriber::registry().with(layer().with_writer(move || writer.clone()));

    let w3c = TraceContext::new_root();
    let span_ids = tracing::subscriber::with_default(with_otel, || {
        Context::new(RequestId::from_static("r")).sync_scope(|| {
            context::insert(w3c.clone());
            tracing::info!("no span");
            let span = tracing::info_span!("work");
            let ids = crate::otel::ids_of(&span).unwrap();
            span.in_scope(|| tracing::info!("in span"));
            ids
        })
    });
    tracing::subscriber::with_default(plain, || {
        Context::new(RequestId::from_static("r")).sync_scope(|| {
            context::insert(w3c.clone());
            let _entered = tracing::info_span!("work").entered();
            tracing::info!("in span");
        });
    });

    let lines = exported.lines();
    // Outside any exported span: the W3C context.
    assert_eq!(lines[0]["trace_id"], w3c.trace_id().to_string());
    assert_eq!(lines[0]["span_id"], w3c.span_id().to_string());
    assert_eq!(lines[1]["trace_id"], span_ids.trace_id.to_string());
    assert_eq!(lines[1]["span_id"], span_ids.span_id.to_string());
    assert_ne!(span_ids.trace_id, w3c.trace_id());
    let plain = plain_out.lines();
    assert_eq!(plain[0]["trace_id"], w3c.trace_id().to_string());
    assert_eq!(plain[0]["span_id"], w3c.span_id().to_string());
}

#[test]
fn layer_composes_with_a_registry() {
    use tracing_subscriber::prelude::*;
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::registry()
        .with(EnvFilter::new("info"))
        .with(layer().with_writer(move || writer.clone()));
    tracing::subscriber::with_default(subscriber, || {
        Context::new(RequestId::from_static("via-layer")).sync_scope(|| tracing::info!("x"));
    });
    assert_eq!(capture.lines()[0]["request_id"], "via-layer");
}

#[test]
fn with_ids_prefixes_text_lines_inside_requests_only() {
    use tracing_subscriber::fmt::format;
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("info")
        .with_ansi(false)
        .event_format(WithIds::new(format().compact().without_time()))
        .with_writer(move || writer.clone())
        .finish();
    let tc = TraceContext::new_root();
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("outside");
        Context::new(RequestId::from_static("txt-1"))
            .with_client_id(Some(RequestId::from_static("cl")))
            .sync_scope(|| {
                context::insert(tc.clone());
                tracing::info!(n = 2, "inside");
            });
    });
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(" INFO") && !lines[0].contains("request_id"),
        "{text}"
    );
    assert_eq!(
        lines[1],
        format!(
            "request_id=txt-1 client_request_id=cl trace_id={} span_id={}  INFO {}: inside n=2",
            tc.trace_id(),
            tc.span_id(),
            module_path!()
        )
    );
}

#[test]
fn json_honours_rust_log_and_defaults_to_info() {
    // The only test reading RUST_LOG; the others pass their filter explicitly.
    let emit = || {
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = json().writer(move || writer.clone()).finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!("d");
            tracing::info!("i");
            tracing::error!("e");
        });
        capture
            .lines()
            .iter()
            .map(|l| l["fields"]["message"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    std::env::set_var("RUST_LOG", "error");
    assert_eq!(emit(), ["e"]);
    std::env::set_var("RUST_LOG", "warn,qh_runtime::logs=debug");
    assert_eq!(emit(), ["d", "i", "e"]);
    std::env::remove_var("RUST_LOG");
    assert_eq!(emit(), ["i", "e"]);
}

#[test]
fn an_application_field_is_cut_at_the_field_limit() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = json()
        .filter("info")
        .writer(move || writer.clone())
        .finish();
    let huge = "p".repeat(60_000);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(path = %huge, also = huge.as_str(), "looked up");
    });
    let raw = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        raw.len() < 2 * DEFAULT_FIELD_LIMIT + 1000,
        "{} bytes",
        raw.len()
    );
    let f = &capture.lines()[0]["fields"];
    let cut = format!(
        "{}… [+{} bytes]",
        "p".repeat(DEFAULT_FIELD_LIMIT),
        60_000 - DEFAULT_FIELD_LIMIT
    );
    assert_eq!(f["path"], cut.as_str());
    assert_eq!(f["also"], cut.as_str());
    assert_eq!(f["message"], "looked up");

    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = json()
        .filter("info")
        .format(JsonFormat::new().field_limit(usize::MAX))
        .writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || tracing::info!(path = %huge, "uncut"));
    assert_eq!(capture.lines()[0]["fields"]["path"], huge.as_str());
}
