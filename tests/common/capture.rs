//! A log writer that keeps what it is given, for tests that read back the
//! JSON lines a request produced.

use std::io;
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// Collects what a `tracing-subscriber` writes; clones share the buffer.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

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
    /// Every JSON line written so far.
    pub fn lines(&self) -> Vec<Value> {
        parse(&self.0.lock().unwrap())
    }

    /// The JSON lines written since the last call.
    pub fn take(&self) -> Vec<Value> {
        parse(&std::mem::take(&mut *self.0.lock().unwrap()))
    }
}

fn parse(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `qh::logs::json()` at INFO writing to `capture`, as this thread's
/// default subscriber until the guard drops.
///
/// In a test binary whose tests log, give every test a subscriber (a
/// throwaway capture will do): tracing caches a callsite's interest
/// process-wide, and a callsite first met on a thread with none, racing
/// another test's set-up, can cache "never" and leave that test's capture
/// empty.
pub fn json_logs(capture: &Capture) -> tracing::subscriber::DefaultGuard {
    let writer = capture.clone();
    let subscriber = qh::logs::json()
        .filter("info")
        .writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_default(subscriber)
}
