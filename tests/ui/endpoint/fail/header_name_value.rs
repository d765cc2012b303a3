#[qh::endpoint]
fn tenant(#[header = "X-Tenant"] tenant: String) -> String {
    tenant
}

fn main() {}
