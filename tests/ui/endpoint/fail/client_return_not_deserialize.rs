#[derive(serde::Serialize, utoipa::ToSchema)]
struct Outgoing {
    greeting: String,
}

#[qh::endpoint]
fn greet(name: String) -> Outgoing {
    Outgoing { greeting: name }
}

async fn caller(client: &qh::client::Client) {
    // The client reads the answer back into `Outgoing`.
    let _ = greet::call(client, "Ann".to_owned()).await;
}

fn main() {
    let _ = caller;
}
