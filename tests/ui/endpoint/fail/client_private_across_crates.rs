// `call` has the function's visibility: a private endpoint of another
// crate (`qh_tests::api`, the tests' library) cannot be called from here.

async fn caller(client: &qh::client::Client) {
    let _ = qh_tests::api::delete_greeting::call(client, "Ann".to_owned()).await;
}

fn main() {
    let _ = caller;
}
