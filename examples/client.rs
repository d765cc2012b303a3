//! Functions become clients too: a users service (routes by Python qh's
//! REST conventions) and a caller that calls its endpoints as functions,
//! with their own argument and return types, through `qh::client`.
//!
//! ```text
//! cargo run --example client --features client
//! ```
//!
//! The service listens on 127.0.0.1 (an ephemeral port) in this process;
//! in real life it is another crate, and the caller depends on it for its
//! endpoints and types: no URL, method, body key or JSON decoding is
//! written twice.

use std::time::Duration;

/// The service: what another crate would export.
pub mod users {
    use std::collections::BTreeMap;
    use std::sync::{Mutex, PoisonError};

    use axum::http::StatusCode;
    // The examples build with the feature `openapi`, which documents `User`.
    use qh::openapi::utoipa;
    use serde::{Deserialize, Serialize};

    /// A user.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
    pub struct User {
        /// Their ID.
        pub id: u64,
        /// Their name.
        pub name: String,
    }

    static USERS: Mutex<BTreeMap<u64, User>> = Mutex::new(BTreeMap::new());

    fn users() -> std::sync::MutexGuard<'static, BTreeMap<u64, User>> {
        USERS.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `POST /users`, `{"name": …}`.
    #[qh::endpoint(rest)]
    pub fn create_user(name: String) -> User {
        let mut users = users();
        let id = users.keys().last().map_or(1, |id| id + 1);
        let user = User { id, name };
        users.insert(id, user.clone());
        user
    }

    /// `GET /users/{user_id}`: the user, or a 404 problem.
    #[qh::endpoint(rest)]
    pub fn get_user(user_id: u64) -> Result<User, qh::Error> {
        users().get(&user_id).cloned().ok_or_else(|| {
            qh::Error::new(StatusCode::NOT_FOUND, format!("no user {user_id}"))
                .member("user_id", user_id)
        })
    }

    /// `GET /users?prefix=…&limit=…`.
    #[qh::endpoint(rest)]
    pub fn list_users(prefix: Option<String>, #[default(10)] limit: usize) -> Vec<User> {
        let prefix = prefix.unwrap_or_default();
        users()
            .values()
            .filter(|u| u.name.starts_with(&prefix))
            .take(limit)
            .cloned()
            .collect()
    }

    /// `POST /export_users`, in the background: the caller gets a task.
    #[qh::endpoint(rest, task)]
    pub async fn export_users(format: String) -> String {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        format!("{} users as {format}", users().len())
    }

    /// The service's router.
    pub fn app() -> axum::Router {
        qh::routes![create_user, get_user, list_users, export_users].layer(qh::Tracking::new())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, users::app()).await });

    let client = qh::client::Client::builder(&format!("http://{addr}"))
        .timeout(Duration::from_secs(5))
        .build()?;
    println!("users service on {addr}\n");

    // The endpoints' own functions, called across the network.
    let ann = users::create_user::call(&client, "Ann".to_owned()).await?;
    let bo = users::create_user::call(&client, "Bo".to_owned()).await?;
    println!("create_user(\"Ann\") -> {ann:?}");
    let found: users::User = users::get_user::call(&client, ann.id).await?;
    println!("get_user({}) -> {found:?}", ann.id);
    assert_eq!(found, ann);
    let listed = users::list_users::call(&client, Some("B".to_owned()), 10).await?;
    println!("list_users(Some(\"B\"), 10) -> {listed:?}");
    assert_eq!(listed, [bo]);

    // An error answer is a typed error: the callee's problem document.
    match users::get_user::call(&client, 99).await {
        Err(qh::client::Error::Status(problem)) => {
            println!(
                "get_user(99) -> {} {} (its request {}, user_id {})",
                problem.status().as_u16(),
                problem.detail().unwrap_or_default(),
                problem.request_id().map_or("-", |id| id.as_str()),
                problem
                    .member("user_id")
                    .unwrap_or(&serde_json::Value::Null),
            );
            assert_eq!(problem.status(), 404);
        }
        other => panic!("expected a 404 problem, got {other:?}"),
    }

    // A task endpoint's call: a handle to wait for (or cancel).
    let task = users::export_users::call(&client, "csv".to_owned()).await?;
    println!("export_users(\"csv\") -> task {}", task.id());
    let exported = task.wait(Duration::from_secs(5)).await?;
    println!("  waited: {exported:?}");
    assert_eq!(exported, "2 users as csv");
    Ok(())
}
