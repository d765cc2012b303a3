#[qh::endpoint]
fn whoami(request_id: qh::RequestId, #[request_id] id: String) -> String {
    format!("{request_id} {id}")
}

fn main() {}
