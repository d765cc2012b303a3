#[qh::endpoint]
fn tenant(#[header(5)] tenant: String) -> String {
    tenant
}

fn main() {}
