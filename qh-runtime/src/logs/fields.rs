//! [`JsonFields`]: a span's fields as one JSON object, written when the span
//! is made; a later `record` appends its fields to the object instead of
//! parsing and rewriting it.

use std::fmt;

use arrayvec::ArrayVec;
use tracing::field::{Field, Visit};
use tracing::span::Record;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FormatFields, FormattedFields};

use super::format::DEFAULT_FIELD_LIMIT;
use super::{escape, json};

/// A [`FormatFields`] for `tracing_subscriber::fmt` that keeps each span's
/// fields as one JSON object (`{"request_id":"…","method":"GET"}`), as
/// [`JsonFormat`](super::JsonFormat) splices it into `spans`/`span`.
///
/// It writes what `tracing-subscriber`'s own
/// [`JsonFields`](https://docs.rs/tracing-subscriber/0.3/tracing_subscriber/fmt/format/struct.JsonFields.html) writes, but
/// a field recorded later (`span.record("status", 200)`) is appended to the
/// object: `tracing-subscriber`'s parses the whole object and writes it
/// again on every `record`. Recording a field the object already holds
/// replaces it, as there (the rare case pays for the parse).
///
/// [`layer`](super::layer) and [`json`](super::json()) use it.
///
/// # Examples
///
/// qh's JSON lines in a `fmt` layer of your own, here to stderr:
///
/// ```
/// use qh::logs::{JsonFields, JsonFormat};
/// use tracing_subscriber::prelude::*;
///
/// let subscriber = tracing_subscriber::registry().with(
///     tracing_subscriber::fmt::layer()
///         .with_writer(std::io::stderr)
///         .fmt_fields(JsonFields::new())
///         .event_format(JsonFormat::new()),
/// );
/// tracing::subscriber::with_default(subscriber, || {
///     let span = tracing::info_span!("job", status = tracing::field::Empty);
///     span.record("status", 200); // appended to the span's object
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonFields {
    _private: (),
}

impl JsonFields {
    /// The field formatter.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

impl<'w> FormatFields<'w> for JsonFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'w>, fields: R) -> fmt::Result {
        json::buffered(&mut writer, |w| {
            w.push('{');
            let mut members = json::Fields::new(w, DEFAULT_FIELD_LIMIT);
            fields.record(&mut members);
            members.finish()?;
            w.push('}');
            Ok(())
        })
    }

    fn add_fields(
        &self,
        current: &'w mut FormattedFields<Self>,
        fields: &Record<'_>,
    ) -> fmt::Result {
        if !current.fields.ends_with('}') {
            // Empty (or not an object this formatter wrote): start afresh.
            current.fields.clear();
            return self.format_fields(current.as_writer(), fields);
        }
        let held = {
            let mut held = Held {
                object: &current.fields,
                keys: None,
                found: false,
            };
            fields.record(&mut held);
            held.found
        };
        if held {
            return replace(current, fields);
        }
        current.fields.pop();
        let had_members = current.fields.len() > 1;
        let mut members =
            json::Fields::after(&mut current.fields, DEFAULT_FIELD_LIMIT, had_members);
        fields.record(&mut members);
        let result = members.finish();
        current.fields.push('}');
        result
    }
}

/// At most this many members are read back (a `tracing` callsite has at
/// most 32 fields); an object with more takes the slow path.
const MAX_KEYS: usize = 32;

/// Whether any field of a record is a member of `object` already. A name
/// the object's text does not show is not one (unless JSON escapes it: its
/// key would be written escaped); the members are read back, once, only
/// for a name it shows.
struct Held<'a> {
    object: &'a str,
    /// The members once read back; `Some(None)` for an object not written
    /// as this formatter writes them (the slow path compares exactly).
    keys: Option<Option<ArrayVec<&'a str, MAX_KEYS>>>,
    found: bool,
}

impl Visit for Held<'_> {
    fn record_debug(&mut self, field: &Field, _: &dyn fmt::Debug) {
        let name = field.name();
        if self.found || !(self.object.contains(name) || escape::needs_escape(name)) {
            return;
        }
        let object = self.object;
        let keys = self.keys.get_or_insert_with(|| keys(object));
        self.found = keys.as_ref().is_none_or(|keys| keys.contains(&name));
    }
}

/// The member names of `object`, as [`JsonFields`] writes it (`{}`, or
/// `{"key":value,…}` with string, number or `true`/`false` values), read in
/// one pass; `None` for anything else (an escaped key included: the slow
/// path compares those exactly).
fn keys(object: &str) -> Option<ArrayVec<&str, MAX_KEYS>> {
    let bytes = object.as_bytes();
    let mut keys = ArrayVec::new();
    let mut at = 1;
    if bytes.get(at) == Some(&b'}') {
        return Some(keys);
    }
    loop {
        // `"key":`
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let len = bytes[at + 1..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\')?;
        let end = at + 1 + len;
        if bytes[end] != b'"' || bytes.get(end + 1) != Some(&b':') {
            return None;
        }
        keys.try_push(&object[at + 1..end]).ok()?;
        at = end + 2;
        // the value: a string (escapes skipped), or a scalar up to `,`/`}`
        if bytes.get(at) == Some(&b'"') {
            at += 1;
            loop {
                match bytes.get(at)? {
                    b'"' => break,
                    b'\\' => at += 2,
                    _ => at += 1,
                }
            }
            at += 1;
        } else {
            at += bytes[at..].iter().position(|&b| b == b',' || b == b'}')?;
        }
        match bytes.get(at)? {
            b',' => at += 1,
            b'}' if at + 1 == bytes.len() => return Some(keys),
            _ => return None,
        }
    }
}

/// The rare case: `fields` names a member `current` has. Both objects are
/// parsed and merged (a later value replaces an earlier one), then written
/// again.
fn replace(current: &mut FormattedFields<JsonFields>, fields: &Record<'_>) -> fmt::Result {
    let mut added = String::from("{");
    let mut members = json::Fields::new(&mut added, DEFAULT_FIELD_LIMIT);
    fields.record(&mut members);
    members.finish()?;
    added.push('}');
    let parse = |s: &str| serde_json::from_str::<serde_json::Map<_, _>>(s).map_err(|_| fmt::Error);
    let mut object = parse(&current.fields)?;
    object.extend(parse(&added)?);
    current.fields = serde_json::Value::Object(object).to_string();
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use super::*;

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

    /// The `span` member of the one line an event inside a span recorded
    /// by `record` writes; the span is made with `a = "x,\"y"`.
    fn span_after(record: impl FnOnce(&tracing::Span)) -> serde_json::Value {
        span_with_a_after("x,\"y", record)
    }

    /// [`span_after`] with `a = a`.
    fn span_with_a_after(a: &str, record: impl FnOnce(&tracing::Span)) -> serde_json::Value {
        let text = lines_of(|| {
            let span = tracing::info_span!(
                "s",
                a = a,
                b = tracing::field::Empty,
                c = tracing::field::Empty
            );
            record(&span);
            span.in_scope(|| tracing::info!("in"));
        });
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        let span = line["span"].clone();
        // A parsed object keeps the last of two equal keys: the text shows
        // each member once in `spans` and once in `span`.
        for key in span.as_object().unwrap().keys() {
            let written = text.matches(&format!("\"{key}\":")).count();
            assert_eq!(written, 2, "{key} in {text}");
        }
        span
    }

    /// What qh's JSON subscriber (at `info`) writes while `run` runs.
    fn lines_of(run: impl FnOnce()) -> String {
        let out = Capture::default();
        let writer = out.clone();
        let subscriber = super::super::json()
            .filter("info")
            .writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, run);
        let text = out.0.lock().unwrap().clone();
        String::from_utf8(text).unwrap()
    }

    #[test]
    fn recorded_fields_are_appended_and_a_field_recorded_again_replaced() {
        let span = span_after(|span| {
            span.record("b", 2);
            span.record("c", "three");
        });
        assert_eq!(
            span,
            serde_json::json!({"name": "s", "a": "x,\"y", "b": 2, "c": "three"})
        );
        let span = span_after(|span| {
            span.record("b", 2);
            span.record("b", 5);
            span.record("a", false);
        });
        assert_eq!(span, serde_json::json!({"name": "s", "a": false, "b": 5}));
    }

    #[test]
    fn a_name_in_a_value_is_not_a_member() {
        // "b" and "c" appear in the text (in `a`'s value, as `"c":` even,
        // escaped): the members are read back, and the fields appended.
        let span = span_with_a_after("b \"c\":1", |span| {
            span.record("b", 2);
            span.record("c", "three");
        });
        assert_eq!(
            span,
            serde_json::json!({"name": "s", "a": "b \"c\":1", "b": 2, "c": "three"})
        );
        let span = span_with_a_after("b", |span| {
            span.record("b", 2);
            span.record("b", 3);
        });
        assert_eq!(span, serde_json::json!({"name": "s", "a": "b", "b": 3}));
    }

    #[test]
    fn a_name_json_escapes_is_replaced_when_recorded_again() {
        let text = lines_of(|| {
            let span = tracing::info_span!("s", "we\"ird" = 1);
            span.record("we\"ird", 2);
            span.in_scope(|| tracing::info!("in"));
        });
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["span"], serde_json::json!({"name": "s", "we\"ird": 2}));
        // Written once: the record replaced the member.
        assert_eq!(text.matches("we\\\"ird").count(), 2, "{text}");
    }

    #[test]
    fn keys_are_read_back_from_what_was_written() {
        let object = r#"{"a":"x,\"status\":1\\","status_code":2,"ok":true,"l":"NaN"}"#;
        let keys = keys(object).unwrap();
        assert_eq!(keys.as_slice(), ["a", "status_code", "ok", "l"]);
        assert_eq!(super::keys("{}").unwrap().len(), 0);
        assert!(super::keys(r#"{"we\"ird":1}"#).is_none());
        assert!(super::keys(r#"{"a":1"#).is_none());
        assert!(super::keys(r#"{"a":"open}"#).is_none());
    }
}
