//! [`Invocation`]: what a task endpoint's submission stores so that any
//! instance serving the endpoint can run the task again.

use std::fmt;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::{Deserialize, Serialize};

/// What a submission to a task endpoint (`#[qh::endpoint(task)]`) stored
/// with its record, so that any instance serving the same endpoint can run
/// the task again: the request rebuilt from it goes through the endpoint's
/// own extraction, and the function is called with the same arguments.
///
/// It holds the client-supplied inputs the endpoint reads and nothing else:
/// the method and the path and query it was called with, its JSON body, the
/// headers the endpoint declares as parameters (`#[header]`, and the header
/// its `request_id` is read from), the submitting request's ID and its
/// trace context. Other headers (`Authorization`, `Cookie`…) are never
/// stored unless the endpoint itself declares them as parameters.
///
/// Stores keep it with the record (`TaskRecord::invocation`) and give it
/// back as they were given it; it is never shown by any route. Its fields
/// are private: a store of your own serializes it (serde) and reads it back.
///
/// ```
/// use qh::tasks::Invocation;
///
/// let json = r#"{"route":"POST /resize","uri":"/resize","headers":[],"body":"{\"w\":3}","id_header":"x-request-id","trace":[]}"#;
/// let invocation: Invocation = serde_json::from_str(json).unwrap();
/// assert_eq!(invocation.route(), "POST /resize");
/// assert_eq!(serde_json::to_string(&invocation).unwrap(), json);
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invocation {
    /// `METHOD /path/{template}`: which endpoint runs it (what
    /// [`RunnerBuilder::endpoint`](crate::tasks::RunnerBuilder::endpoint)
    /// registers it under).
    route: String,
    /// The path and query the client called.
    uri: String,
    /// The declared headers, lowercase, as sent.
    headers: Vec<(String, String)>,
    /// The JSON body, when the endpoint reads one.
    body: Option<String>,
    /// The header the request's ID was resolved under.
    id_header: String,
    /// `traceparent` (and `tracestate`) of the submitting request.
    trace: Vec<(String, String)>,
}

impl fmt::Debug for Invocation {
    // The body and header values are the client's inputs: not for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invocation")
            .field("route", &self.route)
            .field("headers", &self.headers.len())
            .field("body_len", &self.body.as_ref().map(String::len))
            .finish_non_exhaustive()
    }
}

impl Invocation {
    /// Captures what `parts` (the submitting request, before extraction)
    /// carries of its `declared` headers.
    pub(crate) fn capture(route: String, parts: &http::request::Parts, declared: &[&str]) -> Self {
        let mut headers = Vec::new();
        for name in declared.iter().copied().chain(
            parts
                .headers
                .contains_key(http::header::CONTENT_TYPE)
                .then_some("content-type"),
        ) {
            for value in parts.headers.get_all(name) {
                // Only values an `&str` holds: a declared header that is not
                // visible ASCII fails extraction before anything is stored.
                if let Ok(value) = value.to_str() {
                    headers.push((name.to_owned(), value.to_owned()));
                }
            }
        }
        Self {
            route,
            uri: parts
                .uri
                .path_and_query()
                .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()),
            headers,
            body: None,
            id_header: crate::id::DEFAULT_HEADER.as_str().to_owned(),
            trace: Vec::new(),
        }
    }

    /// The capture completed inside the request's scope, once its body is
    /// read: the JSON body (UTF-8 already: it was parsed), the header its
    /// ID came under, and its trace (started now if it came without one,
    /// so that every attempt's log lines tell the submitting request's
    /// trace).
    pub(crate) fn completed(mut self, body: Option<&[u8]>) -> Self {
        self.body = body.map(|b| String::from_utf8_lossy(b).into_owned());
        if let Some(header) = crate::context::current_header() {
            self.id_header = header.as_str().to_owned();
        }
        let mut trace = HeaderMap::new();
        if let Some(tc) = crate::trace_context::TraceContext::current_or_start() {
            tc.write_headers(&mut trace);
        }
        self.trace = trace
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        self
    }

    /// `METHOD /path/{template}`: the endpoint that runs it.
    #[must_use]
    pub fn route(&self) -> &str {
        &self.route
    }

    /// The header the submitting request's ID came under.
    pub(crate) fn id_header(&self) -> Option<HeaderName> {
        HeaderName::from_bytes(self.id_header.as_bytes()).ok()
    }

    /// The context another attempt runs in on an instance that only has
    /// what was stored: the submitting request's ID, under the header it
    /// came with, and its trace continued.
    pub(crate) fn context(&self, request_id: crate::id::RequestId) -> crate::context::Context {
        let mut trace = HeaderMap::new();
        for (name, value) in &self.trace {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                trace.append(name, value);
            }
        }
        let header = self.id_header().unwrap_or(crate::id::DEFAULT_HEADER);
        let resolved = crate::context::Resolved::new(request_id, header, None);
        let trace = crate::trace_context::TraceContext::from_headers(&trace);
        crate::context::Context::from_resolved(resolved, trace)
    }

    /// The request rebuilt from what was stored: method, path and query,
    /// the declared headers, the trace, the body.
    pub(crate) fn request(&self) -> Option<http::Request<axum::body::Body>> {
        let method = self.route.split(' ').next()?;
        let method = Method::from_bytes(method.as_bytes()).ok()?;
        let mut builder = http::Request::builder().method(method).uri(&self.uri);
        let headers = builder.headers_mut()?;
        for (name, value) in self.headers.iter().chain(&self.trace) {
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) else {
                continue;
            };
            headers.append(name, value);
        }
        let body = self
            .body
            .clone()
            .map_or_else(axum::body::Body::empty, axum::body::Body::from);
        builder.body(body).ok()
    }

    /// A digest of the client's inputs, for `Idempotency-Key`: the same
    /// key with other inputs is another request (the trace and the ID
    /// header are not inputs).
    pub(crate) fn fingerprint(&self) -> String {
        let mut hash = Fnv::default();
        hash.write(self.route.as_bytes());
        hash.write(self.uri.as_bytes());
        for (name, value) in &self.headers {
            hash.write(name.as_bytes());
            hash.write(value.as_bytes());
        }
        if let Some(body) = &self.body {
            hash.write(body.as_bytes());
        }
        format!("{:016x}", hash.0)
    }
}

/// FNV-1a (64 bits), each part followed by a separator so that `("ab",
/// "c")` and `("a", "bc")` differ: stable across processes and versions
/// (std's hashers are not), for comparing inputs, not for secrecy.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().chain(&[0xff]) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The fingerprint of a submission that stored no invocation (a handler of
/// your own calling `CallerTasks::submit`): the endpoint's name alone.
pub(crate) fn fingerprint_of_name(endpoint: &str) -> String {
    let mut hash = Fnv::default();
    hash.write(endpoint.as_bytes());
    format!("{:016x}", hash.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> http::request::Parts {
        let mut req = http::Request::post("/resize?w=3");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.body(()).unwrap().into_parts().0
    }

    #[test]
    fn only_declared_headers_are_kept_and_the_request_comes_back() {
        let p = parts(&[
            ("authorization", "Bearer secret"),
            ("cookie", "session=1"),
            ("x-tenant", "acme"),
            ("content-type", "application/json"),
        ]);
        let inv = Invocation::capture("POST /resize".into(), &p, &["x-tenant"])
            .completed(Some(br#"{"w":3}"#));
        let stored = serde_json::to_string(&inv).unwrap();
        assert!(
            !stored.contains("secret") && !stored.contains("session"),
            "{stored}"
        );
        let back: Invocation = serde_json::from_str(&stored).unwrap();
        let req = back.request().unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.uri(), "/resize?w=3");
        assert_eq!(req.headers()["x-tenant"], "acme");
        assert_eq!(req.headers()["content-type"], "application/json");
        assert!(req.headers().get("authorization").is_none());
        assert_eq!(back.fingerprint(), inv.fingerprint());
        let other = inv.clone().completed(Some(br#"{"w":4}"#));
        assert_ne!(other.fingerprint(), inv.fingerprint());
    }
}
