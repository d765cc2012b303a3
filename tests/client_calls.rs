//! Typed calls (`endpoint::call(&client, …)`, feature `client`) against a
//! real service on 127.0.0.1: every parameter source and return shape
//! round-trips, error answers come back as typed errors with the callee's
//! request ID, a task endpoint's call is waited for and cancelled, and
//! endpoints of another crate (the package's library) are called by their
//! paths there.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Router;
use qh::client::{Client, Error};
use serde_json::json;

/// The service: its endpoints answer what they were sent.
pub mod svc {
    use axum::http::StatusCode;
    use axum::response::{Html, IntoResponse};
    use serde::{Deserialize, Serialize};
    use serde_json::{json, Value};

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
    pub struct User {
        pub id: u64,
        pub name: String,
        pub tags: Vec<String>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Sort {
        Asc,
        Desc,
    }

    #[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
    pub struct Filter {
        pub q: String,
        pub limit: Option<u32>,
        #[serde(default)]
        pub tag: Vec<String>,
    }

    /// An email the server checks when it reads one: the client can send
    /// one that is not, and gets the server's 422.
    #[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(try_from = "String")]
    pub struct Email(pub String);

    impl TryFrom<String> for Email {
        type Error = String;
        fn try_from(value: String) -> Result<Self, String> {
            if value.contains('@') {
                Ok(Self(value))
            } else {
                Err(format!("`{value}` is not an email"))
            }
        }
    }

    #[qh::endpoint]
    pub async fn add(a: i64, b: i64) -> i64 {
        a + b
    }

    #[qh::endpoint(method = "GET", path = "/items/{id}/{*rest}")]
    pub fn item(id: u64, rest: String, r#type: Option<String>) -> Value {
        json!({"id": id, "rest": rest, "type": r#type})
    }

    #[qh::endpoint(method = "GET", path = "/search")]
    pub fn search(
        q: String,
        #[query(default = 20)] limit: u32,
        #[query] tag: Vec<String>,
        page: Option<u32>,
        sort: Sort,
        exact: bool,
        score: f64,
    ) -> Value {
        json!({"q": q, "limit": limit, "tag": tag, "page": page, "sort": sort, "exact": exact, "score": score})
    }

    #[qh::endpoint(method = "GET", path = "/filter")]
    pub fn filter(#[query(flatten)] filter: Filter) -> Value {
        json!({"q": filter.q, "limit": filter.limit, "tag": filter.tag})
    }

    #[qh::endpoint(method = "GET", path = "/headers")]
    pub fn headers(
        #[header("X-Tenant")] tenant: String,
        #[header] x_count: Option<u32>,
        #[header("X-Scale", default = 1)] scale: u32,
        request_id: qh::RequestId,
    ) -> Value {
        json!({"tenant": tenant, "count": x_count, "scale": scale, "id": request_id})
    }

    #[qh::endpoint]
    pub fn order(
        item: String,
        #[default(1)] qty: u32,
        note: Option<String>,
        email: Email,
    ) -> Value {
        json!({"item": item, "qty": qty, "note": note, "email": email.0})
    }

    /// A list where the path has one segment: the client refuses it.
    #[qh::endpoint(method = "GET", path = "/pair/{p}")]
    pub fn pair(p: Vec<u32>) -> Vec<u32> {
        p
    }

    #[qh::endpoint(method = "PUT", path = "/users/{id}")]
    pub async fn save(id: u64, #[body] user: User) -> User {
        User { id, ..user }
    }

    #[qh::endpoint(method = "GET", path = "/users/{id}")]
    pub fn find(id: u64) -> Option<User> {
        (id == 1).then(|| User {
            id,
            name: "Ann".into(),
            tags: vec![],
        })
    }

    #[qh::endpoint(method = "GET", path = "/known/{id}")]
    pub fn known(id: u64) -> Result<User, qh::Error> {
        match id {
            1 => Ok(User {
                id,
                name: "Ann".into(),
                tags: vec!["a".into()],
            }),
            _ => Err(
                qh::Error::new(StatusCode::NOT_FOUND, format!("no user {id}"))
                    .problem_type("https://example.com/probs/no-user")
                    .member("user_id", id),
            ),
        }
    }

    #[qh::endpoint]
    pub fn ping() {}

    /// A `HEAD` answer has no body: `()` all the same.
    #[qh::endpoint(method = "HEAD", path = "/alive")]
    pub fn alive() {}

    #[qh::endpoint]
    pub fn check(ok: bool) -> Result<(), qh::Error> {
        if ok {
            Ok(())
        } else {
            Err(qh::Error::new(StatusCode::CONFLICT, "not ok"))
        }
    }

    #[qh::endpoint(method = "GET", path = "/hello")]
    pub fn hello() -> &'static str {
        "hello"
    }

    #[qh::endpoint(method = "GET", path = "/page")]
    pub fn page() -> (StatusCode, Html<&'static str>) {
        (StatusCode::CREATED, Html("<p>hi</p>"))
    }

    #[qh::endpoint(method = "GET", path = "/anything")]
    pub fn anything() -> impl IntoResponse {
        ([("x-kind", "anything")], "as it is")
    }

    #[qh::endpoint(task)]
    pub async fn slow_double(n: u64, ms: u64) -> Result<u64, String> {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        if n == 13 {
            return Err("unlucky".into());
        }
        Ok(n * 2)
    }

    #[qh::endpoint(task = "optional", method = "GET", path = "/square/{n}")]
    pub fn square(n: u64) -> u64 {
        n * n
    }

    pub fn app() -> axum::Router {
        qh::routes![
            add,
            item,
            search,
            filter,
            headers,
            order,
            pair,
            save,
            find,
            known,
            ping,
            alive,
            check,
            hello,
            page,
            anything,
            slow_double,
            square,
        ]
        .layer(qh::Tracking::new())
    }
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

async fn client() -> Client {
    let addr = serve(svc::app()).await;
    Client::builder(&format!("http://{addr}/"))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn body_keys_path_and_query_round_trip() {
    let client = client().await;
    assert_eq!(svc::add::call(&client, 40, 2).await.unwrap(), 42);

    // Path placeholders are percent-encoded; a catch-all keeps its `/`.
    let got = svc::item::call(&client, 7, "a b/c%d.txt".into(), Some("x&y=z".into()))
        .await
        .unwrap();
    assert_eq!(
        got,
        json!({"id": 7, "rest": "a b/c%d.txt", "type": "x&y=z"})
    );
    let got = svc::item::call(&client, 7, "r".into(), None).await.unwrap();
    assert_eq!(got["type"], json!(null));

    // Query: a default is sent like any value, a list as repeated keys,
    // `None` left out, enums as their names.
    let got = svc::search::call(
        &client,
        "rust & co".into(),
        5,
        vec!["a".into(), "b c".into()],
        None,
        svc::Sort::Desc,
        true,
        1.5,
    )
    .await
    .unwrap();
    assert_eq!(
        got,
        json!({"q": "rust & co", "limit": 5, "tag": ["a", "b c"], "page": null, "sort": "desc", "exact": true, "score": 1.5})
    );
    let got = svc::search::call(
        &client,
        "q".into(),
        20,
        vec![],
        Some(2),
        svc::Sort::Asc,
        false,
        -0.25,
    )
    .await
    .unwrap();
    assert_eq!(got["tag"], json!([]));
    assert_eq!(got["page"], 2);

    let filter = svc::Filter {
        q: "x".into(),
        limit: None,
        tag: vec!["t1".into(), "t2".into()],
    };
    let got = svc::filter::call(&client, filter).await.unwrap();
    assert_eq!(got, json!({"q": "x", "limit": null, "tag": ["t1", "t2"]}));
}

#[tokio::test]
async fn headers_and_bodies_round_trip() {
    let client = client().await;
    let got = svc::headers::call(&client, "acme".into(), Some(3), 2)
        .await
        .unwrap();
    assert_eq!(got["tenant"], "acme");
    assert_eq!(got["count"], 3);
    assert_eq!(got["scale"], 2);
    let got = svc::headers::call(&client, "acme".into(), None, 1)
        .await
        .unwrap();
    assert_eq!(got["count"], json!(null));

    let got = svc::order::call(&client, "pen".into(), 3, None, svc::Email("a@b".into()))
        .await
        .unwrap();
    assert_eq!(
        got,
        json!({"item": "pen", "qty": 3, "note": null, "email": "a@b"})
    );

    let user = svc::User {
        id: 0,
        name: "Bo".into(),
        tags: vec!["x".into()],
    };
    let saved = svc::save::call(&client, 9, user.clone()).await.unwrap();
    assert_eq!(saved, svc::User { id: 9, ..user });
}

#[tokio::test]
async fn every_return_shape_round_trips() {
    let client = client().await;
    // `Option<T>`.
    let found: Option<svc::User> = svc::find::call(&client, 1).await.unwrap();
    assert_eq!(found.unwrap().name, "Ann");
    assert_eq!(svc::find::call(&client, 2).await.unwrap(), None);
    // `Result<T, E>`: `Ok` is `T`.
    let user: svc::User = svc::known::call(&client, 1).await.unwrap();
    assert_eq!(user.tags, ["a"]);
    // `()` and `Result<(), E>`.
    let (): () = svc::ping::call(&client).await.unwrap();
    svc::alive::call(&client).await.unwrap();
    svc::check::call(&client, true).await.unwrap();
    let err = svc::check::call(&client, false).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::CONFLICT));
    // `&'static str` comes back a `String`.
    let hello: String = svc::hello::call(&client).await.unwrap();
    assert_eq!(hello, "hello");
    // Answers passed through: status, headers and body as they came.
    let page: qh::client::Answer = svc::page::call(&client).await.unwrap();
    assert_eq!(page.status(), StatusCode::CREATED);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.text(), Some("<p>hi</p>"));
    let anything = svc::anything::call(&client).await.unwrap();
    assert_eq!(anything.headers()["x-kind"], "anything");
    assert_eq!(anything.body(), b"as it is");
}

#[tokio::test]
async fn a_404_problem_and_a_422_are_typed_errors_with_the_callee_s_id() {
    let client = client().await;
    let err = svc::known::call(&client, 7).await.unwrap_err();
    let Error::Status(problem) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(problem.status(), StatusCode::NOT_FOUND);
    assert_eq!(problem.problem_type(), "https://example.com/probs/no-user");
    assert_eq!(problem.title(), Some("Not Found"));
    assert_eq!(problem.detail(), Some("no user 7"));
    assert_eq!(problem.member("user_id"), Some(&json!(7)));
    let id = problem.request_id().expect("the callee's request ID");
    assert!(uuid::Uuid::parse_str(id.as_str()).is_ok(), "{id}");
    assert_eq!(err.request_id(), Some(id));
    assert_eq!(
        err.to_string(),
        "the service answered 404 Not Found: no user 7"
    );

    // The server refuses a value it cannot read: 422 naming the field.
    let err = svc::order::call(&client, "pen".into(), 1, None, svc::Email("nope".into()))
        .await
        .unwrap_err();
    let problem = err.problem().expect("a problem");
    assert_eq!(problem.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem.problem_type(), "urn:qh:problem:invalid-field");
    assert_eq!(problem.member("field"), Some(&json!("email")));
    assert!(
        problem.detail().unwrap().contains("is not an email"),
        "{problem}"
    );
    let other = svc::known::call(&client, 8).await.unwrap_err();
    assert!(problem.request_id().is_some());
    assert_ne!(problem.request_id(), other.request_id(), "one ID per call");

    // Inside a request, the call sends that request's ID, the callee
    // adopts it, and its problem carries it back.
    let ctx = qh::context::Context::new(qh::RequestId::from_static("caller-404"));
    let err = ctx.scope(svc::known::call(&client, 9)).await.unwrap_err();
    assert_eq!(
        err.problem().map(|p| p.status()),
        Some(StatusCode::NOT_FOUND)
    );
    assert_eq!(
        err.request_id().map(qh::RequestId::as_str),
        Some("caller-404"),
        "the callee's ID, which is the caller's"
    );
}

#[tokio::test]
async fn outside_a_request_each_call_sends_a_fresh_id() {
    let client = client().await;
    let first = svc::headers::call(&client, "t".into(), None, 1)
        .await
        .unwrap();
    let second = svc::headers::call(&client, "t".into(), None, 1)
        .await
        .unwrap();
    let (first, second) = (
        first["id"].as_str().unwrap(),
        second["id"].as_str().unwrap(),
    );
    assert_ne!(first, second);
    assert_eq!(uuid::Uuid::parse_str(first).unwrap().get_version_num(), 4);

    // Under another header, from another generator: the service reads it
    // when its layer does.
    let addr =
        serve(qh::routes![svc::headers].layer(qh::Tracking::new().header("X-Correlation-ID")))
            .await;
    let client = Client::builder(&format!("http://{addr}"))
        .header("X-Correlation-ID")
        .generator(qh::IdGenerator::custom(|| {
            qh::RequestId::from_static("fixed-1")
        }))
        .build()
        .unwrap();
    let got = svc::headers::call(&client, "t".into(), None, 1)
        .await
        .unwrap();
    assert_eq!(got["id"], "fixed-1");
}

#[tokio::test]
async fn transport_decode_and_encode_errors_stay_apart() {
    // Nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let err = svc::add::call(&client, 1, 2).await.unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert!(transport.is_connect(), "{transport:?}");
    assert!(std::error::Error::source(&err).is_some());

    // A service that answers that route with something else.
    let other = axum::Router::new().route(
        "/add",
        axum::routing::post(|| async { axum::Json(json!({"sum": 3})) }),
    );
    let client = Client::new(&format!("http://{}", serve(other).await)).unwrap();
    let err = svc::add::call(&client, 1, 2).await.unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.status(), StatusCode::OK);
    assert_eq!(decode.expected(), "i64");
    assert!(std::error::Error::source(decode).is_some());

    // A value that cannot be a path segment never leaves.
    let err = svc::pair::call(&client, vec![1, 2]).await.unwrap_err();
    let Error::Encode(encode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(encode.parameter(), "p");
    assert_eq!(
        std::error::Error::source(encode).unwrap().to_string(),
        "a path value must be exactly one value"
    );
}

#[tokio::test]
async fn a_503_is_retried_after_its_retry_after() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let flaky = axum::Router::new().route(
        "/add",
        axum::routing::post(move || {
            let seen = seen.clone();
            async move {
                if seen.fetch_add(1, Ordering::SeqCst) < 2 {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [("retry-after", "0")],
                        "wait",
                    )
                        .into_response()
                } else {
                    axum::Json(7).into_response()
                }
            }
        }),
    );
    let base = format!("http://{}", serve(flaky).await);
    let client = Client::new(&base).unwrap();
    assert_eq!(svc::add::call(&client, 1, 2).await.unwrap(), 7);
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    // Retries off, or a `Retry-After` beyond the bound: the 503 itself.
    calls.store(0, Ordering::SeqCst);
    let client = Client::builder(&base).retries(0).build().unwrap();
    let err = svc::add::call(&client, 1, 2).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(err.problem().unwrap().detail(), Some("wait"));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_task_endpoint_is_called_waited_for_and_cancelled() {
    let client = client().await;
    // Called: a handle, at once.
    let task = svc::slow_double::call(&client, 21, 50).await.unwrap();
    assert!(!task.id().is_empty());
    assert!(task.request_id().is_some());
    let status = task.status().await.unwrap();
    assert!(!status.is_finished() || status == qh::tasks::TaskStatus::Completed);
    // Waited for: the server's long poll.
    assert_eq!(task.wait(Duration::from_secs(10)).await.unwrap(), 42);
    assert_eq!(task.result().await.unwrap(), Some(42));
    assert_eq!(
        task.status().await.unwrap(),
        qh::tasks::TaskStatus::Completed
    );

    // A wait that ends first says so, with the task's status; the task
    // goes on, and is cancelled.
    let slow = svc::slow_double::call(&client, 1, 60_000).await.unwrap();
    assert_eq!(slow.result().await.unwrap(), None);
    let err = slow.wait(Duration::from_millis(100)).await.unwrap_err();
    let qh::client::Error::Unfinished(waited) = err else {
        panic!("{err:?}")
    };
    assert!(!waited.is_finished(), "{waited}");
    assert!(err.status().is_none());
    slow.cancel().await.unwrap();
    let gone = slow.status().await.unwrap_err();
    assert_eq!(gone.status(), Some(StatusCode::NOT_FOUND));

    // A failed task: the 500 problem with its task status.
    let failing = svc::slow_double::call(&client, 13, 0).await.unwrap();
    let err = failing.wait(Duration::from_secs(10)).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(
        err.problem().unwrap().member("task_status"),
        Some(&json!("failed"))
    );

    // `task = "optional"`: `call` runs it in the request, `submit` asks
    // for the background.
    assert_eq!(svc::square::call(&client, 4).await.unwrap(), 16);
    let task = svc::square::submit(&client, 5).await.unwrap();
    assert_eq!(task.wait(Duration::from_secs(10)).await.unwrap(), 25);
}

/// What the service saw: the headers of the request.
mod seen {
    #[qh::endpoint(method = "GET", path = "/seen")]
    pub fn seen(#[extract] headers: axum::http::HeaderMap) -> serde_json::Value {
        headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").into()))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }
}

/// A middleware of the caller's own: it tags every request.
struct Tag;

impl reqwest_middleware::Middleware for Tag {
    fn handle<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        mut req: reqwest::Request,
        extensions: &'life1 mut axum::http::Extensions,
        next: reqwest_middleware::Next<'life2>,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = reqwest_middleware::Result<reqwest::Response>>
                + Send
                + 'async_trait,
        >,
    >
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        req.headers_mut()
            .insert("x-tag", axum::http::HeaderValue::from_static("mine"));
        Box::pin(next.run(req, extensions))
    }
}

#[derive(qh::TrackingContext, Clone, Debug)]
struct Caller {
    #[header("X-User-ID")]
    user_id: Option<String>,
}

/// B's endpoint calls A's through the typed client.
#[qh::endpoint(method = "GET", path = "/relay")]
async fn relay(
    #[extract] caller: Caller,
    #[extract] a: axum::Extension<Client>,
) -> Result<serde_json::Value, qh::Error> {
    assert_eq!(caller.user_id.as_deref(), Some("u-7"));
    seen::seen::call(&a)
        .await
        .map_err(|e| qh::Error::new(StatusCode::BAD_GATEWAY, e.to_string()))
}

#[tokio::test]
async fn calls_inside_a_request_carry_its_id_trace_and_context() {
    let a = serve(qh::routes![seen::seen].layer(qh::Tracking::new())).await;
    let client = Client::builder(&format!("http://{a}"))
        .with(Tag)
        .build()
        .unwrap();
    let b = qh::routes![relay]
        .layer(axum::Extension(client))
        .layer(qh::Tracking::new().header("X-Correlation-ID"));
    let req = axum::http::Request::get("/relay")
        .header("x-correlation-id", "relay-1")
        .header("x-user-id", "u-7")
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(b, req).await.unwrap();
    assert_eq!(res.status(), 200);
    let body = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    let got: serde_json::Value = serde_json::from_slice(&body).unwrap();
    // The request's ID under the header it came in under; its trace with
    // B's span as the parent; the context's header; the caller's own.
    assert_eq!(got["x-correlation-id"], "relay-1", "{got}");
    assert!(got.get("x-request-id").is_none(), "{got}");
    let tp = got["traceparent"].as_str().unwrap();
    assert!(
        tp.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{tp}"
    );
    assert!(!tp.contains("00f067aa0ba902b7"), "{tp}");
    assert_eq!(got["x-user-id"], "u-7", "{got}");
    assert_eq!(got["x-tag"], "mine", "{got}");
}

/// Another crate's endpoints (`qh_tests::api`, the package's library):
/// mounted and called by their paths there, with that crate's types.
#[tokio::test]
async fn endpoints_of_another_crate_are_called_with_its_types() {
    use qh_tests::api;

    let addr = serve(api::app()).await;
    let client = Client::new(&format!("http://{addr}")).unwrap();
    let greeting: api::Greeting = api::get_greeting::call(&client, "Ann".into(), 2)
        .await
        .unwrap();
    assert_eq!(
        greeting,
        api::Greeting {
            to: "Ann".into(),
            times: 2
        }
    );
    // The route the conventions gave it, as any client sees it.
    let res = reqwest::get(format!("http://{addr}/greetings/Bo"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), r#"{"to":"Bo","times":1}"#);
}
