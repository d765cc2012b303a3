#[qh::endpoint(method = "FETCH", path = "/users/{id}")]
fn get_user(#[header("X Tenant")] tenant: String) -> String {
    tenant
}

fn main() {}
