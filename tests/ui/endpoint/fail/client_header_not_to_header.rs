#[derive(Debug)]
struct Tenant(String);

impl qh::extract::FromHeader for Tenant {
    fn from_header(
        value: &axum::http::HeaderValue,
    ) -> Result<Self, std::borrow::Cow<'static, str>> {
        let s = value.to_str().map_err(|_| "expected visible ASCII")?;
        Ok(Tenant(s.to_owned()))
    }
}

#[qh::endpoint(method = "GET", path = "/whoami")]
fn whoami(#[header("X-Tenant")] tenant: Tenant) -> String {
    tenant.0
}

async fn caller(client: &qh::client::Client) {
    // Sent as a header: `Tenant` would need `ToHeader` too.
    let _ = whoami::call(client, Tenant("acme".to_owned())).await;
}

fn main() {
    let _ = caller;
}
