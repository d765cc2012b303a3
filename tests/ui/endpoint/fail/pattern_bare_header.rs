struct Tenant(String);

impl qh::extract::FromHeader for Tenant {
    fn from_header(value: &axum::http::HeaderValue) -> Result<Self, std::borrow::Cow<'static, str>> {
        Ok(Tenant(value.to_str().map_err(|_| "not text")?.to_owned()))
    }
}

#[qh::endpoint(method = "GET")]
fn tenant(#[header] Tenant(name): Tenant) -> String {
    name
}

fn main() {}
