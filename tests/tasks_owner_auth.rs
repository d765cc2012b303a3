//! The README's example of the `/tasks` routes behind the app's own auth
//! layer, as written there, through a real router: unauthenticated callers
//! are turned away by the app's layer, and each signed-in user sees only
//! the tasks they submitted.

mod common;

use axum::http::StatusCode;
use common::send;
use common::task_app::assert_problem;
use serde_json::json;

/// The README's "behind the app's own auth layer" example, as written
/// there: an auth middleware that verifies a token and stores who it
/// names, and an owner hook that reads that.
mod behind_auth {
    use axum::extract::Request;
    use axum::http::StatusCode;
    use axum::middleware::{self, Next};
    use axum::response::{IntoResponse, Response};
    use axum::{Extension, Router};
    use qh::tasks::Runner;

    #[qh::endpoint(task)]
    async fn report(n: u32) -> u32 {
        n * 2
    }

    /// Who the app's auth verified.
    #[derive(Clone)]
    struct User(String);

    /// Stands for the app's real check (a session, a JWT…).
    fn verify(token: &str) -> Option<User> {
        token.strip_prefix("token-of-").map(|u| User(u.to_owned()))
    }

    async fn auth(mut req: Request, next: Next) -> Response {
        let bearer = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match bearer.and_then(verify) {
            Some(user) => {
                req.extensions_mut().insert(user);
                next.run(req).await
            }
            None => qh::Error::new(StatusCode::UNAUTHORIZED, "sign in first").into_response(),
        }
    }

    pub fn app() -> Router {
        let tasks = Runner::builder()
            .owner(|parts| parts.extensions.get::<User>().map(|u| u.0.clone()))
            .build();
        qh::routes![report] // with the /tasks routes
            .layer(Extension(tasks))
            .layer(middleware::from_fn(auth)) // every route, /tasks included
            .layer(qh::Tracking::new())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_auth_layer_example_scopes_tasks_to_the_signed_in_user() {
    let app = behind_auth::app();
    let call = |method: &str, uri: &str, token: Option<&str>, body: &str| {
        let mut req = axum::http::Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .header("x-request-id", "readme-1");
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        req.body(axum::body::Body::from(body.to_owned())).unwrap()
    };
    let res = send(&app, call("POST", "/report", None, r#"{"n":2}"#)).await;
    assert_problem(&res, StatusCode::UNAUTHORIZED, "readme-1");
    let res = send(&app, call("GET", "/tasks/", None, "")).await;
    assert_problem(&res, StatusCode::UNAUTHORIZED, "readme-1");

    let res = send(
        &app,
        call("POST", "/report", Some("token-of-ada"), r#"{"n":2}"#),
    )
    .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    let id = res.json()["task_id"].as_str().unwrap().to_owned();
    let uri = format!("/tasks/{id}/result?wait=true&timeout=5");
    let res = send(&app, call("GET", &uri, Some("token-of-ada"), "")).await;
    assert_eq!(res.json()["result"], 4, "{}", res.text());
    let res = send(&app, call("GET", &uri, Some("token-of-bob"), "")).await;
    assert_problem(&res, StatusCode::NOT_FOUND, "readme-1");
    let res = send(&app, call("GET", "/tasks/", Some("token-of-bob"), "")).await;
    assert_eq!(res.json(), json!({"tasks": []}));
}
