#[qh::endpoint]
fn whoami(#[request_id] #[request_id] id: qh::RequestId) -> String {
    id.to_string()
}

fn main() {}
