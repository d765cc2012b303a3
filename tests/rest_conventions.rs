//! `#[qh::endpoint(rest)]`: the routes Python qh's conventions infer, served
//! by the real router. The issue's table, then Python qh 0.0.25's own
//! convention tests (`qh/tests/test_conventions.py`) as requests.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::{send, Answer};
use serde_json::{json, Value};

fn request(method: &str, uri: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(uri);
    match body {
        Some(json) => builder
            .header("content-type", "application/json")
            .body(Body::from(json.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

async fn call(app: &Router, method: &str, uri: &str, body: Option<Value>) -> Answer {
    send(app, request(method, uri, body)).await
}

/// The issue's table: each function answers what it was called with, so
/// the route and each parameter's source show.
mod table {
    use serde_json::{json, Value};

    #[qh::endpoint(rest)]
    pub fn get_user(user_id: u64) -> Value {
        json!({"get": user_id})
    }

    #[qh::endpoint(rest)]
    pub fn list_users(#[default(100)] limit: u32) -> Value {
        json!({"list": limit})
    }

    #[qh::endpoint(rest)]
    pub fn create_user(name: String) -> Value {
        json!({"create": name})
    }

    #[qh::endpoint(rest)]
    pub fn update_user(user_id: u64, name: String) -> Value {
        json!({"update": user_id, "name": name})
    }

    #[qh::endpoint(rest)]
    pub fn delete_user(user_id: u64) -> Value {
        json!({"delete": user_id})
    }

    #[qh::endpoint(rest)]
    pub fn fetch_order_item(order_id: u64, item_id: u64) -> Value {
        json!({"order": order_id, "item": item_id})
    }

    #[qh::endpoint(rest)]
    pub fn compute_stuff(x: i64) -> i64 {
        x * 2
    }

    #[qh::endpoint(rest)]
    pub fn patch_profile(id: String, bio: String) -> Value {
        json!({"patch": id, "bio": bio})
    }

    /// `request_id` ends in `_id` but is the tracking ID, and `tenant_id`
    /// is read from a header: neither is a path segment.
    #[qh::endpoint(rest)]
    pub fn get_widget(
        key: String,
        request_id: qh::RequestId,
        #[header("X-Tenant-ID")] tenant_id: String,
    ) -> Value {
        json!({"key": key, "tenant": tenant_id, "id_len": request_id.as_str().len()})
    }

    /// Explicit options win over the conventions, one at a time.
    #[qh::endpoint(rest, path = "/custom/user/{user_id}")]
    pub fn remove_user(user_id: u64) -> Value {
        json!({"removed": user_id})
    }

    #[qh::endpoint(rest, method = "POST")]
    pub fn search_items(q: String) -> Value {
        json!({"search": q})
    }
}

fn table_app() -> Router {
    use table::*;
    qh::routes![
        get_user,
        list_users,
        create_user,
        update_user,
        delete_user,
        fetch_order_item,
        compute_stuff,
        patch_profile,
        get_widget,
        remove_user,
        search_items,
    ]
}

#[tokio::test]
async fn the_issue_s_table() {
    let app = table_app();
    let ok = |res: Answer| {
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        res.json()
    };
    assert_eq!(
        ok(call(&app, "GET", "/users/7", None).await),
        json!({"get": 7})
    );
    assert_eq!(
        ok(call(&app, "GET", "/users", None).await),
        json!({"list": 100})
    );
    assert_eq!(
        ok(call(&app, "GET", "/users?limit=5", None).await),
        json!({"list": 5}),
        "a GET's other parameters are query parameters"
    );
    assert_eq!(
        ok(call(&app, "POST", "/users", Some(json!({"name": "Ann"}))).await),
        json!({"create": "Ann"})
    );
    assert_eq!(
        ok(call(&app, "PUT", "/users/7", Some(json!({"name": "Bo"}))).await),
        json!({"update": 7, "name": "Bo"})
    );
    assert_eq!(
        ok(call(&app, "DELETE", "/users/7", None).await),
        json!({"delete": 7})
    );
    assert_eq!(
        ok(call(&app, "GET", "/order_items/3/4", None).await),
        json!({"order": 3, "item": 4})
    );
    assert_eq!(
        ok(call(&app, "POST", "/compute_stuff", Some(json!({"x": 21}))).await),
        json!(42)
    );
    assert_eq!(
        ok(call(&app, "PATCH", "/profiles/me", Some(json!({"bio": "hi"}))).await),
        json!({"patch": "me", "bio": "hi"})
    );
    let widget = send(
        &app,
        Request::get("/widgets/k1")
            .header("x-tenant-id", "acme")
            .header("x-request-id", "abc")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        ok(widget),
        json!({"key": "k1", "tenant": "acme", "id_len": 3})
    );
    // Overrides: the explicit path with the inferred method, and the
    // explicit method with the inferred path.
    assert_eq!(
        ok(call(&app, "DELETE", "/custom/user/9", None).await),
        json!({"removed": 9})
    );
    assert_eq!(
        call(&app, "DELETE", "/users/9", None).await.json(),
        json!({"delete": 9}),
        "`delete_user` still owns the inferred route"
    );
    assert_eq!(
        ok(call(&app, "POST", "/items", Some(json!({"q": "x"}))).await),
        json!({"search": "x"})
    );
    // Methods the conventions did not choose answer 405 on those paths.
    assert_eq!(
        call(&app, "POST", "/users/7", None).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        call(&app, "GET", "/compute_stuff", None).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

/// Python qh's `test_conventions_with_client`.
mod with_client {
    use serde_json::{json, Value};

    #[qh::endpoint(rest)]
    pub fn get_user(user_id: String) -> Value {
        json!({"user_id": user_id, "name": "Test User"})
    }

    #[qh::endpoint(rest)]
    pub fn list_users(#[default(10)] limit: usize) -> Value {
        (0..limit)
            .map(|i| json!({"user_id": i.to_string()}))
            .collect()
    }

    #[qh::endpoint(rest)]
    pub fn create_user(name: String, email: String) -> Value {
        json!({"user_id": "123", "name": name, "email": email})
    }
}

#[tokio::test]
async fn python_qh_conventions_with_client() {
    use with_client::*;
    let app: Router = qh::routes![get_user, list_users, create_user];
    let res = call(&app, "GET", "/users/42", None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["user_id"], "42");
    let res = call(&app, "GET", "/users?limit=5", None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json().as_array().unwrap().len(), 5);
    let body = json!({"name": "John", "email": "john@example.com"});
    let res = call(&app, "POST", "/users", Some(body)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["name"], "John");
}

/// Python qh's `test_conventions_override`: an explicit path replaces the
/// inferred one, which is then not served.
mod overridden {
    use serde_json::{json, Value};

    #[qh::endpoint(rest, path = "/custom/user/{user_id}")]
    pub fn get_user(user_id: String) -> Value {
        json!({"user_id": user_id})
    }
}

#[tokio::test]
async fn python_qh_conventions_override() {
    let app: Router = qh::routes![overridden::get_user];
    let res = call(&app, "GET", "/custom/user/5", None).await;
    assert_eq!(res.json(), json!({"user_id": "5"}));
    assert_eq!(
        call(&app, "GET", "/users/5", None).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Python qh's `test_crud_operations`, on one store.
mod crud {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use serde_json::{json, Value};

    static USERS: Mutex<BTreeMap<String, Value>> = Mutex::new(BTreeMap::new());

    fn users() -> std::sync::MutexGuard<'static, BTreeMap<String, Value>> {
        USERS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[qh::endpoint(rest)]
    pub fn get_user(user_id: String) -> Value {
        users()
            .get(&user_id)
            .cloned()
            .unwrap_or_else(|| json!({"error": "not found"}))
    }

    #[qh::endpoint(rest)]
    pub fn list_users() -> Value {
        users().values().cloned().collect()
    }

    #[qh::endpoint(rest)]
    pub fn create_user(user_id: String, name: String) -> Value {
        let user = json!({"user_id": user_id, "name": name});
        users().insert(user_id, user.clone());
        user
    }

    #[qh::endpoint(rest)]
    pub fn update_user(user_id: String, name: String) -> Value {
        match users().get_mut(&user_id) {
            Some(user) => {
                user["name"] = json!(name);
                user.clone()
            }
            None => json!({"error": "not found"}),
        }
    }

    #[qh::endpoint(rest)]
    pub fn delete_user(user_id: String) -> Value {
        match users().remove(&user_id) {
            Some(user) => json!({"deleted": user}),
            None => json!({"error": "not found"}),
        }
    }
}

#[tokio::test]
async fn python_qh_crud_operations() {
    use crud::*;
    let app: Router = qh::routes![get_user, list_users, create_user, update_user, delete_user];
    let body = json!({"user_id": "1", "name": "Alice"});
    assert_eq!(
        call(&app, "POST", "/users", Some(body)).await.status,
        StatusCode::OK
    );
    let res = call(&app, "GET", "/users/1", None).await;
    assert_eq!(res.json()["name"], "Alice");
    let res = call(
        &app,
        "PUT",
        "/users/1",
        Some(json!({"name": "Alice Updated"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["name"], "Alice Updated");
    let res = call(&app, "GET", "/users", None).await;
    assert_eq!(res.json().as_array().unwrap().len(), 1);
    assert_eq!(
        call(&app, "DELETE", "/users/1", None).await.status,
        StatusCode::OK
    );
    let res = call(&app, "GET", "/users", None).await;
    assert_eq!(res.json().as_array().unwrap().len(), 0);
}

/// Python qh's `test_infer_http_method`, `test_singularize_pluralize` and
/// `test_infer_path` cases, each an endpoint answering on the route the
/// conventions give it.
mod python_cases {
    use serde_json::{json, Value};

    #[qh::endpoint(rest)]
    pub fn fetch_data() -> Value {
        json!("fetch_data")
    }

    #[qh::endpoint(rest)]
    pub fn add_item(name: String) -> Value {
        json!({"add_item": name})
    }

    #[qh::endpoint(rest)]
    pub fn modify_settings(theme: String) -> Value {
        json!({"modify_settings": theme})
    }

    #[qh::endpoint(rest)]
    pub fn remove_item(item_id: u64) -> Value {
        json!({"remove_item": item_id})
    }

    #[qh::endpoint(rest)]
    pub fn get_category(category_id: u64) -> Value {
        json!({"get_category": category_id})
    }

    /// `buses` → `bus` → `buses` (`get_bus` would give `/bus/{bus_id}`:
    /// the final `s` is taken for a plural first, as in Python qh).
    #[qh::endpoint(rest)]
    pub fn get_buses(bus_id: u64) -> Value {
        json!({"get_buses": bus_id})
    }

    #[qh::endpoint(rest)]
    pub fn delete_order(order_id: u64) -> Value {
        json!({"delete_order": order_id})
    }

    #[qh::endpoint(rest)]
    pub fn create_order_item(name: String) -> Value {
        json!({"create_order_item": name})
    }

    /// A collection verb: `owner_id` is a query parameter, not a segment.
    #[qh::endpoint(rest)]
    pub fn search_items(owner_id: u64) -> Value {
        json!({"search_items": owner_id})
    }
}

#[tokio::test]
async fn python_qh_method_and_path_cases() {
    use python_cases::*;
    let app: Router = qh::routes![
        fetch_data,
        add_item,
        modify_settings,
        remove_item,
        get_category,
        get_buses,
        delete_order,
        create_order_item,
        search_items,
    ];
    let cases = [
        ("GET", "/data", None, json!("fetch_data")),
        (
            "POST",
            "/item",
            Some(json!({"name": "pen"})),
            json!({"add_item": "pen"}),
        ),
        (
            "PUT",
            "/settings",
            Some(json!({"theme": "dark"})),
            json!({"modify_settings": "dark"}),
        ),
        ("DELETE", "/items/3", None, json!({"remove_item": 3})),
        ("GET", "/categories/4", None, json!({"get_category": 4})),
        ("GET", "/buses/5", None, json!({"get_buses": 5})),
        ("DELETE", "/orders/6", None, json!({"delete_order": 6})),
        (
            "POST",
            "/order_items",
            Some(json!({"name": "nib"})),
            json!({"create_order_item": "nib"}),
        ),
        ("GET", "/items?owner_id=7", None, json!({"search_items": 7})),
    ];
    for (method, uri, body, want) in cases {
        let res = call(&app, method, uri, body).await;
        assert_eq!(res.status, StatusCode::OK, "{method} {uri}: {}", res.text());
        assert_eq!(res.json(), want, "{method} {uri}");
    }
}
