#[derive(serde::Deserialize)]
struct Filter {
    q: String,
}

// `find_users` is `GET` by the conventions: no body.
#[qh::endpoint(rest)]
fn find_users(#[body] filter: Filter) -> String {
    filter.q
}

fn main() {}
