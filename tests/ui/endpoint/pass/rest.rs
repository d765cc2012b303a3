// `rest`: routes inferred from names (Python qh's conventions), beside
// and overridden by explicit options, with tasks and async functions.

#[qh::endpoint(rest)]
fn get_user(user_id: u64) -> u64 {
    user_id
}

#[qh::endpoint(rest)]
async fn list_users(#[query(default = 10)] limit: u32) -> u32 {
    limit
}

#[qh::endpoint(rest, task)]
async fn create_report(title: String) -> String {
    title
}

#[qh::endpoint(rest, method = "POST")]
fn delete_order(order_id: u64, #[header("X-Reason")] reason: String) -> String {
    format!("{order_id}: {reason}")
}

#[qh::endpoint(rest, path = "/v2/things/{key}")]
fn fetch_thing(key: String, request_id: qh::RequestId) -> String {
    format!("{key} {request_id}")
}

// `rest` and another explicit route on distinct paths, in one router.
#[qh::endpoint(method = "GET", path = "/health")]
fn health() {}

fn main() {
    let _: axum::Router = qh::routes![
        get_user,
        list_users,
        create_report,
        delete_order,
        fetch_thing,
        health,
    ];
}
