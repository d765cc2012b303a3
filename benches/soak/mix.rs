//! What the soak sends, and what each answer must be.
//!
//! Every request carries an ID of one of three kinds: a valid one unique to
//! the request (it must come back as sent), a hostile one, or none (both
//! must come back as a fresh UUID v7, the quickstart's generator, never
//! seen before). Bodies must agree with the ID where they carry it.

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode};
use serde_json::{json, Value};

/// A small, seedable generator: the mix is reproducible per connection.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// How a request's ID is sent.
#[derive(Clone, Debug)]
pub enum Id {
    /// A valid ID unique to this request: echoed as sent.
    Valid(String),
    /// A value the default rule refuses (or two lines of the header).
    Hostile(Vec<Vec<u8>>),
    /// No header.
    Absent,
}

const PUNCTUATION: &[u8] = b"._~:+/=@-";

/// Values the default rule (1-128 bytes of `[A-Za-z0-9._~:+/=@-]`) refuses
/// and that a header can still carry, with no blanks at either end (HTTP/1
/// parsers trim those, and HTTP/2 forbids them).
fn hostile(rng: &mut Rng, unique: &str) -> Vec<Vec<u8>> {
    let one = |v: Vec<u8>| vec![v];
    match rng.below(9) {
        0 => one(Vec::new()),
        1 => one(vec![b'a'; 129]),
        2 => one(format!("{unique} x").into_bytes()),
        3 => one(format!("\"{unique}\"").into_bytes()),
        4 => one(b"<script>alert(1)</script>".to_vec()),
        5 => one(format!("{unique}\tx").into_bytes()),
        6 => one([unique.as_bytes(), &[0xff, 0xfe]].concat()),
        7 => one(format!("{unique}%0d%0aSet-Cookie:x").into_bytes()),
        // Two lines, each valid alone: `a, b` is no ID.
        _ => vec![
            unique.as_bytes().to_vec(),
            format!("{unique}-2").into_bytes(),
        ],
    }
}

impl Id {
    /// 80% valid, `hostile_pct`% hostile, the rest absent.
    pub fn pick(rng: &mut Rng, unique: &str, hostile_pct: u64, absent_pct: u64) -> Self {
        let roll = rng.below(100);
        if roll < hostile_pct {
            Id::Hostile(hostile(rng, unique))
        } else if roll < hostile_pct + absent_pct {
            Id::Absent
        } else {
            // Every allowed punctuation mark somewhere, lengths up to 128.
            let mut id = unique.as_bytes().to_vec();
            let p = PUNCTUATION[rng.below(PUNCTUATION.len() as u64) as usize];
            id.push(p);
            let pad = rng.below(128 - id.len().min(127) as u64) as usize;
            id.extend(std::iter::repeat_n(b'z', pad));
            Id::Valid(String::from_utf8(id).expect("ASCII"))
        }
    }

    pub fn header_values(&self) -> Vec<HeaderValue> {
        match self {
            Id::Valid(v) => vec![HeaderValue::from_str(v).expect("a valid ID is a header value")],
            Id::Hostile(lines) => lines
                .iter()
                .map(|l| HeaderValue::from_bytes(l).expect("hostile values are header values"))
                .collect(),
            Id::Absent => Vec::new(),
        }
    }
}

/// The endpoints of the quickstart the soak drives.
#[derive(Clone, Debug)]
pub enum Call {
    Health,
    Hello {
        name: String,
    },
    Add {
        a: i64,
        b: i64,
    },
    User {
        id: u64,
    },
    BadJson,
    Submit,
    Result {
        task_id: String,
    },
    Record {
        task_id: String,
        submitted_as: String,
    },
}

impl Call {
    /// The next call: a task's poll when one is waiting, else a random one.
    pub fn pick(rng: &mut Rng, seq: u64) -> Self {
        // A submission brings two polls: about a third of the traffic is
        // about tasks.
        match rng.below(20) {
            0..=4 => Call::Health,
            5..=9 => Call::Hello {
                name: format!("n{seq}"),
            },
            10..=13 => Call::Add {
                a: rng.below(1 << 40) as i64 - (1 << 39),
                b: rng.below(1000) as i64,
            },
            14 | 15 => Call::User {
                id: 1 + rng.below(3),
            },
            16 => Call::BadJson,
            _ => Call::Submit,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Call::Health => "health",
            Call::Hello { .. } => "hello",
            Call::Add { .. } => "add",
            Call::User { .. } => "user",
            Call::BadJson => "bad_json",
            Call::Submit => "submit",
            Call::Result { .. } => "result",
            Call::Record { .. } => "record",
        }
    }

    pub fn request(&self) -> (Method, String, Option<Bytes>) {
        match self {
            Call::Health => (Method::GET, "/health".into(), None),
            Call::Hello { name } => (Method::GET, format!("/hello/{name}"), None),
            Call::Add { a, b } => (
                Method::POST,
                "/add".into(),
                Some(json!({"a": a, "b": b}).to_string().into()),
            ),
            Call::User { id } => (Method::GET, format!("/users/{id}"), None),
            Call::BadJson => (
                Method::POST,
                "/add".into(),
                Some(Bytes::from_static(b"{\"a\": 1,")),
            ),
            // n = 0: the task finishes at once; the soak is about requests.
            Call::Submit => (
                Method::POST,
                "/report".into(),
                Some(Bytes::from_static(b"{\"n\":0}")),
            ),
            Call::Result { task_id, .. } => (
                Method::GET,
                format!("/tasks/{task_id}/result?wait=true&timeout=10"),
                None,
            ),
            Call::Record { task_id, .. } => (Method::GET, format!("/tasks/{task_id}"), None),
        }
    }
}

/// What a checked answer leaves to do next.
pub enum Next {
    Nothing,
    /// A task was submitted under this ID: poll it.
    Poll {
        task_id: String,
        submitted_as: String,
    },
}

fn json_body(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|_| "the body is not JSON".to_owned())
}

fn want(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

/// Checks the body of an answer to `call`, answered under the ID `id`.
pub fn check_body(call: &Call, status: StatusCode, body: &[u8], id: &str) -> Result<Next, String> {
    let problem = |expected: StatusCode| -> Result<(), String> {
        want(status == expected, || {
            format!("status {status}, expected {expected}")
        })?;
        let doc = json_body(body)?;
        want(doc["request_id"] == id, || {
            format!("problem request_id {} is not the echo", doc["request_id"])
        })
    };
    match call {
        Call::Health => {
            want(status == StatusCode::OK, || format!("status {status}"))?;
            want(body == format!("ok {id}\n").as_bytes(), || {
                "body does not name the ID".into()
            })?;
        }
        Call::Hello { name } => {
            want(status == StatusCode::OK, || format!("status {status}"))?;
            let doc = json_body(body)?;
            want(doc["request_id"] == id, || {
                format!("request_id {} is not the echo", doc["request_id"])
            })?;
            want(doc["message"] == format!("hello, {name}"), || {
                "wrong message".into()
            })?;
        }
        Call::Add { a, b } => {
            want(status == StatusCode::OK, || format!("status {status}"))?;
            want(json_body(body)? == json!(a + b), || "wrong sum".into())?;
        }
        Call::User { id: 1 } => {
            want(status == StatusCode::OK, || format!("status {status}"))?;
            want(json_body(body)? == json!({"id": 1, "name": "Ada"}), || {
                "wrong user".into()
            })?;
        }
        Call::User { .. } => problem(StatusCode::NOT_FOUND)?,
        Call::BadJson => problem(StatusCode::BAD_REQUEST)?,
        Call::Submit => {
            want(status == StatusCode::ACCEPTED, || {
                format!("status {status}")
            })?;
            let doc = json_body(body)?;
            want(doc["request_id"] == id, || {
                "submission's request_id is not the echo".into()
            })?;
            let task_id = doc["task_id"].as_str().ok_or("no task_id")?.to_owned();
            return Ok(Next::Poll {
                task_id,
                submitted_as: id.to_owned(),
            });
        }
        Call::Result { task_id, .. } => {
            want(status == StatusCode::OK, || format!("status {status}"))?;
            let doc = json_body(body)?;
            let expected =
                json!({"task_id": task_id, "status": "completed", "result": {"pages": 0}});
            want(doc == expected, || format!("result {doc}"))?;
        }
        Call::Record { submitted_as, .. } => {
            want(status == StatusCode::OK, || format!("status {status}"))?;
            let doc = json_body(body)?;
            // The record keeps the submitting request's ID, not the poller's.
            want(doc["request_id"] == submitted_as.as_str(), || {
                "record's request_id is not the submitter's".into()
            })?;
        }
    }
    Ok(Next::Nothing)
}

/// Whether `s` is a UUID v7 as qh generates them (lowercase, hyphenated).
pub fn uuid_v7(s: &str) -> Option<u128> {
    let u = uuid::Uuid::try_parse(s).ok()?;
    (u.get_version_num() == 7 && u.hyphenated().to_string() == s).then(|| u.as_u128())
}
