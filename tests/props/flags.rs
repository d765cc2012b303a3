//! Flags: `true|1|yes|on` and `false|0|no|off` in any case, whitespace
//! around the word ignored: one rule for `bool` header and query
//! parameters and the task switch (`X-Async`, `?async=`).

use axum::body::Body;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::Router;
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt as _;

use crate::support::block_on;

/// The documented words, compared without regard to ASCII case, in UTF-8
/// text with any whitespace around them.
fn reference(text: &[u8]) -> Option<bool> {
    let text = std::str::from_utf8(text).ok()?;
    let word = text.trim_matches(char::is_whitespace).to_ascii_lowercase();
    match word.as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The words, near misses and noise, in random case, sometimes between
/// whitespace (ASCII and not, some of it no header can carry).
fn flag_text() -> impl Strategy<Value = Vec<u8>> {
    let blank = prop::sample::select(vec![
        "", "", " ", "  ", "\t", "\n", "\r\n", "\u{b}", "\u{a0}", "\u{3000}", "\u{200b}", "\u{85}",
    ]);
    (word_text(), blank.clone(), blank)
        .prop_map(|(word, before, after)| [before.as_bytes(), &word, after.as_bytes()].concat())
}

fn word_text() -> impl Strategy<Value = Vec<u8>> {
    let words = [
        "true", "1", "yes", "on", "false", "0", "no", "off", "tru", "truee", "y", "n", "2", "01",
        "o", "of", "offf", "yess", "nope", "t", "f", "",
    ];
    let word = prop::sample::select(words.to_vec()).prop_map(|w| w.as_bytes().to_vec());
    let noisy = (
        word.clone(),
        prop::collection::vec(any::<u8>(), 0..=2),
        0usize..3,
    )
        .prop_map(|(mut w, noise, at)| {
            match at {
                0 => w.splice(0..0, noise),
                1 => w.splice(w.len()..w.len(), noise),
                _ => w.splice(w.len() / 2..w.len() / 2, noise),
            };
            w
        });
    let text = prop_oneof![8 => word, 3 => noisy, 1 => prop::collection::vec(any::<u8>(), 0..6)];
    (text, any::<u64>()).prop_map(|(mut t, case)| {
        for (i, b) in t.iter_mut().enumerate() {
            if case >> (i % 64) & 1 == 1 {
                b.make_ascii_uppercase();
            }
        }
        t
    })
}

/// Percent-encodes every byte but letters and digits, as a client may.
fn encoded(text: &[u8]) -> String {
    text.iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[qh::endpoint(method = "GET", path = "/flags")]
fn flags(
    #[header("X-Flag")] flag: Option<bool>,
    #[query] on: Option<bool>,
) -> (Option<bool>, Option<bool>) {
    (flag, on)
}

async fn ask(app: Router, req: Request) -> (StatusCode, Value) {
    let res = app.oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

proptest! {
    #[test]
    fn flags_in_a_header_value(text in flag_text()) {
        if let Ok(value) = HeaderValue::from_bytes(&text) {
            let read = <bool as qh::extract::FromHeader>::from_header(&value);
            prop_assert_eq!(read.ok(), reference(&text), "{:?}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn flags_through_an_endpoint(header in prop::option::of(flag_text()), query in prop::option::of(flag_text())) {
        let app: Router = qh::routes![flags];
        let uri = match &query {
            Some(q) => format!("/flags?on={}", encoded(q)),
            None => "/flags".to_owned(),
        };
        let mut req = Request::get(uri).body(Body::empty()).unwrap();
        let header = header.and_then(|h| HeaderValue::from_bytes(&h).ok().map(|v| (h, v)));
        if let Some((_, value)) = &header {
            req.headers_mut().insert("x-flag", value.clone());
        }
        let want_header = header.as_ref().map(|(h, _)| reference(h));
        let want_query = query.as_ref().map(|q| reference(q));
        let (status, body) = block_on(ask(app, req));
        if want_header.is_some_and(|w| w.is_none()) || want_query.is_some_and(|w| w.is_none()) {
            // A flag that is neither word is the client's mistake.
            prop_assert!(status.is_client_error(), "{}", status);
            prop_assert!(body["request_id"].is_string());
        } else {
            prop_assert_eq!(status, StatusCode::OK);
            let want = serde_json::json!([want_header.flatten(), want_query.flatten()]);
            prop_assert_eq!(body, want);
        }
    }

    #[test]
    fn flags_ask_for_the_background(
        pairs in prop::collection::vec((prop::sample::select(vec!["async", "ASYNC", "x", "asyn"]), flag_text()), 0..=3),
        header in prop::option::of(flag_text()),
    ) {
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", encoded(v))).collect();
        let mut req = Request::get(format!("/f?{}", query.join("&"))).body(()).unwrap();
        let header = header.and_then(|h| HeaderValue::from_bytes(&h).ok().map(|v| (h, v)));
        if let Some((_, value)) = &header {
            req.headers_mut().insert("x-async", value.clone());
        }
        // The first `async` key of the query, when it is a flag; else the
        // header, when it is one; else no. The same words as parameters.
        let from_query = pairs.iter().find(|(k, _)| *k == "async").and_then(|(_, v)| reference(v));
        let from_header = header.as_ref().and_then(|(h, _)| reference(h));
        let (parts, ()) = req.into_parts();
        let want = from_query.or(from_header).unwrap_or(false);
        prop_assert_eq!(qh::tasks::parse_async_flag(&parts), want);
    }
}
