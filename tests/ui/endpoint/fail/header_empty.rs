#[qh::endpoint]
fn tenant(#[header("")] tenant: String) -> String {
    tenant
}

fn main() {}
