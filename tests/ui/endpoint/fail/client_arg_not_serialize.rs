#[derive(serde::Deserialize, utoipa::ToSchema)]
struct Incoming {
    name: String,
}

#[qh::endpoint]
fn greet(#[body] who: Incoming) -> String {
    who.name
}

async fn caller(client: &qh::client::Client) {
    // The client sends `Incoming` as the body.
    let _ = greet::call(client, Incoming { name: "Ann".to_owned() }).await;
}

fn main() {
    let _ = caller;
}
