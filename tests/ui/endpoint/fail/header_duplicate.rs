#[qh::endpoint]
fn tenant(#[header("X-Tenant")] tenant: String, #[header("x-tenant")] again: String) -> String {
    tenant + &again
}

fn main() {}
