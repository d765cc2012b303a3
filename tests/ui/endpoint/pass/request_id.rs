// The tracking ID, by name and by attribute, in every supported type.

#[qh::endpoint(method = "GET")]
fn as_request_id(request_id: qh::RequestId) -> String {
    request_id.to_string()
}

#[qh::endpoint(method = "GET")]
fn as_string(request_id: String) -> String {
    request_id
}

#[qh::endpoint(method = "GET")]
fn as_option(request_id: Option<qh::RequestId>) -> bool {
    request_id.is_some()
}

#[qh::endpoint(method = "GET")]
fn by_attribute(#[request_id] id: qh::RequestId) -> String {
    id.to_string()
}

#[qh::endpoint(method = "GET")]
async fn from_header(#[header("X-Correlation-ID")] request_id: qh::RequestId) -> String {
    request_id.to_string()
}

#[qh::endpoint(method = "GET")]
fn attribute_and_header(#[request_id] #[header("X-Correlation-ID")] id: String) -> String {
    id
}

fn main() {
    let _: axum::Router = qh::routes![
        as_request_id,
        as_string,
        as_option,
        by_attribute,
        from_header,
        attribute_and_header,
    ];
}
