// Small slips in an endpoint's spec, each reported once at the slip.

// A value left out after `=`.
#[qh::endpoint(method = , path = "/a")]
fn a() {}

#[qh::endpoint(task = )]
async fn b() {}

// A suffix on a string literal.
#[qh::endpoint(method = "GET"xyz)]
fn c() {}

// Empty parentheses on a flag attribute.
#[qh::endpoint(method = "GET", path = "/d/{id}")]
fn d(#[path()] id: u32) -> u32 {
    id
}

// Placeholders are plain names.
#[qh::endpoint(method = "GET", path = "/e/{r#type}")]
fn e(r#type: String) -> String {
    r#type
}

// `r#name` is `name`.
#[qh::endpoint(method = "GET")]
fn f(#[header(r#name = "X-A")] a: String) -> String {
    a
}

// Nested `cfg_attr` hides a source as much as a plain one does.
#[qh::endpoint(method = "GET")]
fn g(#[cfg_attr(all(), cfg_attr(all(), query))] limit: u32) -> u32 {
    limit
}

// `impl Trait` anywhere in a parameter's type.
#[qh::endpoint]
fn h(_items: Vec<impl serde::de::DeserializeOwned>) {}

// Applied twice.
#[qh::endpoint]
#[qh::endpoint(method = "GET")]
fn i() {}

fn main() {}
