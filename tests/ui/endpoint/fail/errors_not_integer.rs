#[qh::endpoint(method = "GET", path = "/items/{id}", errors("404"))]
fn item(id: u64) -> Result<String, qh::Error> {
    Ok(id.to_string())
}

fn main() {}
