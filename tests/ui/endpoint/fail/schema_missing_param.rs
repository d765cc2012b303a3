#[derive(serde::Deserialize)]
struct Filter {
    q: String,
}

#[qh::endpoint(method = "GET", path = "/search")]
fn search(#[query(flatten)] filter: Filter) -> String {
    filter.q
}

fn main() {}
