// `request_id` receives the tracking ID: a `{request_id}` in the path would
// be matched and thrown away.
#[qh::endpoint(method = "GET", path = "/orders/{request_id}")]
fn order(request_id: String) -> String {
    request_id
}

#[qh::endpoint(method = "GET", path = "/carts/{id}")]
fn cart(#[request_id] id: String) -> String {
    id
}

fn main() {}
