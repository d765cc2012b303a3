//! The `/tasks` routes' query parameters: their bounds, and how `?wait=`,
//! `?timeout=`, `?limit=` and `?request_id=` are read and checked.

use std::time::Duration;

use http::{StatusCode, Uri};

use crate::error::{Error, ErrorKind};
use crate::extract::parse_bool;
use crate::tasks::ListFilter;

/// How long `?wait=true` waits when no `timeout` is given (30 s).
///
/// # Examples
///
/// A long-poll for a task's result, under a client deadline that outlasts
/// the server's wait:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::time::Duration;
///
/// use axum::{body::Body, http::{Request, StatusCode}, Extension, Router};
/// use qh::tasks::{Runner, DEFAULT_WAIT};
/// use tower::ServiceExt;
///
/// let runner = Runner::default();
/// let app: Router = qh::tasks::router().layer(Extension(runner.clone()));
/// let task = runner.submit("report", async { Ok::<_, String>(42) }).await.unwrap();
///
/// let uri = format!("/tasks/{}/result?wait=true", task.task_id);
/// let poll = app.oneshot(Request::get(uri).body(Body::empty()).unwrap());
/// let res = tokio::time::timeout(DEFAULT_WAIT + Duration::from_secs(5), poll)
///     .await
///     .expect("the server answers within its wait")
///     .unwrap();
/// assert_eq!(res.status(), StatusCode::OK);
/// # }
/// ```
pub const DEFAULT_WAIT: Duration = Duration::from_secs(30);
/// The longest `?timeout=` (300 s): a longer one is refused (400).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::{body::Body, http::{Request, StatusCode}, Extension, Router};
/// use qh::tasks::Runner;
/// use tower::ServiceExt;
///
/// let app: Router = qh::tasks::router()
///     .layer(Extension(Runner::default()))
///     .layer(qh::Tracking::new());
/// let over = qh::tasks::MAX_WAIT.as_secs() + 1;
/// let uri = format!("/tasks/some-task/result?wait=true&timeout={over}");
/// let res = app.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(res.status(), StatusCode::BAD_REQUEST);
/// # }
/// ```
pub const MAX_WAIT: Duration = Duration::from_secs(300);
/// How many tasks `GET /tasks/` lists when no `limit` is given.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::{body::Body, http::Request, Extension, Router};
/// use qh::tasks::{Runner, DEFAULT_LIST_LIMIT};
/// use tower::ServiceExt;
///
/// let runner = Runner::builder().listing(true).build();
/// for _ in 0..DEFAULT_LIST_LIMIT + 5 {
///     runner.submit("report", async { Ok::<_, String>(()) }).await.unwrap();
/// }
/// let app: Router = qh::tasks::router().layer(Extension(runner));
/// let res = app.oneshot(Request::get("/tasks/").body(Body::empty()).unwrap()).await.unwrap();
/// let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
/// let listed: serde_json::Value = serde_json::from_slice(&body).unwrap();
/// // The newest DEFAULT_LIST_LIMIT; `?limit=` asks for more.
/// assert_eq!(listed["tasks"].as_array().unwrap().len(), DEFAULT_LIST_LIMIT);
/// # }
/// ```
pub const DEFAULT_LIST_LIMIT: usize = 100;
/// The most tasks one `GET /tasks/` lists: a larger `limit` is refused
/// (400).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::{body::Body, http::{Request, StatusCode}, Extension, Router};
/// use qh::tasks::Runner;
/// use tower::ServiceExt;
///
/// let app: Router = qh::tasks::router()
///     .layer(Extension(Runner::builder().listing(true).build()))
///     .layer(qh::Tracking::new());
/// let uri = format!("/tasks/?limit={}", qh::tasks::MAX_LIST_LIMIT + 1);
/// let res = app.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(res.status(), StatusCode::BAD_REQUEST);
/// # }
/// ```
pub const MAX_LIST_LIMIT: usize = 1000;

fn query_pairs(uri: &Uri) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
}

fn invalid_query(name: &'static str, why: &str) -> Error {
    Error::with_kind(
        ErrorKind::InvalidQuery,
        StatusCode::BAD_REQUEST,
        format!("invalid query parameter `{name}`: {why}"),
    )
    .at_query(name)
}

/// `wait` (a boolean, as Python qh reads `?async=`) and `timeout` (seconds).
pub(super) fn wait_params(uri: &Uri) -> Result<(bool, Duration), Error> {
    let mut wait = false;
    let mut timeout = DEFAULT_WAIT.as_secs_f64();
    for (key, value) in query_pairs(uri) {
        match key.as_str() {
            "wait" => {
                wait = parse_bool(value.as_bytes())
                    .ok_or_else(|| invalid_query("wait", "expected true or false"))?;
            }
            "timeout" => {
                // Bounded as documented (`minimum`, `maximum`): a value
                // the document calls invalid is refused, not cut.
                let max = MAX_WAIT.as_secs_f64();
                timeout = value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|t| (0.0..=max).contains(t))
                    .ok_or_else(|| {
                        invalid_query(
                            "timeout",
                            &format!("expected seconds from 0 to {max}, e.g. 2.5"),
                        )
                    })?;
            }
            _ => {}
        }
    }
    // Seconds on the wire; in bounds, so a `Duration`.
    Ok((wait, Duration::from_secs_f64(timeout)))
}

pub(super) fn list_params(uri: &Uri) -> Result<ListFilter, Error> {
    let mut filter = ListFilter::new(DEFAULT_LIST_LIMIT);
    for (key, value) in query_pairs(uri) {
        match key.as_str() {
            "limit" => {
                // Integers as every integer source reads them (`2.0`
                // too), bounded as documented.
                filter.limit = crate::extract::integral::parse_int::<usize>(&value)
                    .filter(|limit| *limit <= MAX_LIST_LIMIT)
                    .ok_or_else(|| {
                        invalid_query(
                            "limit",
                            &format!("expected a whole number from 0 to {MAX_LIST_LIMIT}"),
                        )
                    })?;
            }
            // Bounded and in the ID alphabet, or no task can match (and
            // nothing unbounded reaches the store's keys).
            "request_id" => match value.parse::<crate::id::RequestId>() {
                Ok(id) => filter.request_id = Some(id.to_string()),
                Err(_) => filter.limit = 0,
            },
            _ => {}
        }
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_follow_python_qh() {
        for yes in ["true", "TRUE", "1", "Yes"] {
            assert_eq!(parse_bool(yes.as_bytes()), Some(true), "{yes}");
        }
        for no in ["false", "0", "NO"] {
            assert_eq!(parse_bool(no.as_bytes()), Some(false), "{no}");
        }
        assert_eq!(parse_bool("maybe".as_bytes()), None);
        assert_eq!(parse_bool("".as_bytes()), None);
    }

    #[test]
    fn wait_params_are_bounded_and_checked() {
        let uri: Uri = "/r?wait=1&timeout=300".parse().unwrap();
        assert_eq!(wait_params(&uri).unwrap(), (true, MAX_WAIT));
        let uri: Uri = "/r?timeout=0".parse().unwrap();
        assert_eq!(wait_params(&uri).unwrap(), (false, Duration::ZERO));
        for bad in [
            "/r?timeout=-1",
            "/r?timeout=-1.7e308",
            "/r?timeout=300.5",
            "/r?timeout=99999",
            "/r?timeout=NaN",
            "/r?timeout=inf",
            "/r?wait=sure",
        ] {
            let uri: Uri = bad.parse().unwrap();
            assert_eq!(wait_params(&uri).unwrap_err().status(), 400, "{bad}");
        }
        let uri: Uri = "/tasks/?limit=1000&request_id=a%2Fb".parse().unwrap();
        let filter = list_params(&uri).unwrap();
        assert_eq!(filter.limit, MAX_LIST_LIMIT);
        assert_eq!(filter.request_id.as_deref(), Some("a/b"));
        let uri: Uri = "/tasks/?limit=7.0".parse().unwrap();
        assert_eq!(list_params(&uri).unwrap().limit, 7);
        for bad in [
            "limit=1001",
            "limit=5000",
            "limit=-862",
            "limit=2.5",
            "limit=x",
        ] {
            let uri: Uri = format!("/tasks/?{bad}").parse().unwrap();
            let e = list_params(&uri).unwrap_err();
            assert_eq!(e.status(), 400, "{bad}");
            assert_eq!(e.kind(), ErrorKind::InvalidQuery, "{bad}");
            assert!(e.detail().contains("`limit`"), "{bad}: {}", e.detail());
        }
    }
}
