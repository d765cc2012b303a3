#[qh::endpoint]
fn whoami(request_id: u32) -> u32 {
    request_id
}

fn main() {}
