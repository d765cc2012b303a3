#[qh::endpoint]
fn tenant(#[header("X-Tenant", forward_untrusted)] tenant: String) -> String {
    tenant
}

fn main() {}
