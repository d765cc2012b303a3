#[qh::endpoint]
fn tenant(#[header(foo = "x")] tenant: String) -> String {
    tenant
}

fn main() {}
