//! The expansions compile cleanly under strict lints: a user who denies
//! warnings, `clippy::pedantic` or `missing_docs` must not pay for using
//! `#[qh::endpoint]`.

#![deny(warnings, clippy::pedantic, unused_qualifications)]
#![allow(clippy::unused_async)] // async endpoints without awaits are the point here

pub mod api {
    //! Endpoints of every kind, public so `missing_docs` looks at them.
    #![deny(missing_docs)]

    use axum::extract::State;
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};
    use axum::{Extension, Json};
    use serde::{Deserialize, Serialize};

    /// The app's state.
    #[derive(Clone, Default)]
    pub struct AppState {
        /// A greeting prefix.
        pub prefix: String,
    }

    /// A user.
    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    pub struct User {
        /// Their name.
        pub name: String,
    }

    /// Adds two numbers.
    #[qh::endpoint]
    #[must_use]
    pub fn add(a: i64, b: i64) -> i64 {
        a + b
    }

    /// Greets someone, maybe in another way.
    #[qh::endpoint]
    pub async fn greet(name: String, greeting: Option<String>) -> String {
        format!("{}, {name}", greeting.as_deref().unwrap_or("hello"))
    }

    /// Stores a user.
    ///
    /// # Errors
    ///
    /// 422 when the name is empty.
    #[qh::endpoint(path = "/users")]
    pub fn create_user(#[body] user: User) -> Result<User, StatusCode> {
        if user.name.is_empty() {
            Err(StatusCode::UNPROCESSABLE_ENTITY)
        } else {
            Ok(user)
        }
    }

    /// Reads a user, from every part of the request.
    #[qh::endpoint(method = "GET", path = "/users/{user_id}/{*rest}")]
    pub fn get_user(
        user_id: u64,
        #[path] rest: String,
        #[header("X-Tenant")] tenant: String,
        #[header] x_trace: Option<String>,
        #[query] verbose: Option<bool>,
        request_id: qh::RequestId,
    ) -> Json<User> {
        let name = format!("{user_id} {rest} {tenant} {x_trace:?} {verbose:?} {request_id}");
        Json(User { name })
    }

    /// Uses the state and an extension.
    #[qh::endpoint(method = "GET")]
    pub async fn stateful(
        #[extract] State(state): State<AppState>,
        #[extract] Extension(n): Extension<u32>,
        #[request_id] id: String,
    ) -> impl IntoResponse {
        (StatusCode::OK, format!("{} {n} {id}", state.prefix))
    }

    /// Answers nothing.
    #[qh::endpoint(method = "DELETE", path = "/users/{id}")]
    pub fn delete_user(id: u64, #[header("X-Correlation-ID")] request_id: Option<qh::RequestId>) {
        let _ = (id, request_id);
    }

    /// The tracking headers of a request.
    #[derive(qh::TrackingContext, Clone, Debug)]
    pub struct Ctx {
        /// The request's ID.
        pub request_id: qh::RequestId,
        /// The caller.
        #[header("X-User-ID")]
        pub user_id: Option<String>,
        /// The tenant.
        #[header]
        pub x_tenant: String,
        /// How many times the caller tried.
        #[header(name = "X-Attempt")]
        pub attempt: Option<u32>,
    }

    /// Reads the tracking context.
    #[qh::endpoint(method = "GET")]
    #[must_use]
    pub fn whoami(#[extract] ctx: Ctx) -> String {
        let current = Ctx::current().map(|c| c.to_headers().len());
        format!(
            "{} {:?} {} {:?} {current:?}",
            ctx.request_id, ctx.user_id, ctx.x_tenant, ctx.attempt
        )
    }

    /// Filters for a search.
    #[derive(Deserialize, utoipa::ToSchema)]
    pub struct Filter {
        /// The text searched for.
        pub q: String,
    }

    /// Searches, with the query forms: a whole-query struct, repeated keys,
    /// defaults, unannotated query parameters on `GET` and a `#[cfg]`.
    #[qh::endpoint(method = "GET", path = "/search/{type}")]
    #[must_use]
    pub fn search(
        r#type: String,
        #[query(flatten)] filter: Filter,
        #[query] tag: Vec<String>,
        #[query(default = 20)] limit: u32,
        #[header("X-Scale", default = 1)] scale: u32,
        page: Option<u32>,
        #[cfg(any())] never: String,
    ) -> String {
        format!("{type} {} {tag:?} {} {page:?}", filter.q, limit * scale, type = r#type)
    }

    /// Orders, with a defaulted body field.
    #[qh::endpoint]
    #[must_use]
    pub fn order(item: String, #[default(1)] qty: u32) -> String {
        format!("{qty} {item}")
    }

    /// Reads the path with axum's own extractor.
    #[qh::endpoint(method = "GET", path = "/items/{id}")]
    #[must_use]
    pub fn item(#[extract] axum::extract::Path(id): axum::extract::Path<u64>) -> u64 {
        id
    }

    /// Writes a report in the background (a task endpoint).
    ///
    /// # Errors
    ///
    /// When the report would be too long.
    #[qh::endpoint(task)]
    pub async fn report(pages: u64) -> Result<u64, String> {
        pages
            .checked_mul(2)
            .ok_or_else(|| "too many pages".to_owned())
    }

    /// Syncs a tenant's account, again when the service fails.
    ///
    /// # Errors
    ///
    /// When the account is empty.
    #[qh::endpoint(task, retries = 3)]
    pub async fn sync(
        #[extract] State(state): State<AppState>,
        #[header("x-tenant")] tenant: String,
        account: String,
    ) -> Result<String, String> {
        if account.is_empty() {
            return Err("no account".to_owned());
        }
        Ok(format!("{}{tenant}/{account}", state.prefix))
    }

    /// Squares, in the background when the client asks.
    #[qh::endpoint(task = "optional", method = "GET", path = "/square/{n}")]
    #[must_use]
    pub fn square(n: u64) -> u64 {
        n * n
    }

    /// Answers a raw response.
    #[qh::endpoint(method = "get")]
    #[must_use]
    pub fn raw() -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

#[tokio::test]
async fn router_builds() {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    let app: axum::Router = qh::routes![
        api::add,
        api::greet,
        api::create_user,
        api::get_user,
        api::stateful,
        api::delete_user,
        api::raw,
        api::whoami,
        api::search,
        api::order,
        api::item,
        api::report,
        api::square,
        api::sync,
    ]
    .layer(axum::Extension(7_u32))
    .with_state(api::AppState::default());
    // Its task endpoints, registered for another instance to take over.
    let runner = qh::tasks::Runner::builder()
        .endpoint_with_state::<api::report, _>(api::AppState::default())
        .endpoint_with_state::<api::square, _>(api::AppState::default())
        .endpoint_with_state::<api::sync, _>(api::AppState::default())
        .build();
    assert_eq!(runner.endpoints().len(), 3);
    let request = Request::post("/add")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"a":1,"b":2}"#))
        .expect("request");
    let response = app.oneshot(request).await.expect("response");
    assert_eq!(response.status(), StatusCode::OK);
}
