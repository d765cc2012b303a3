#[derive(serde::Deserialize)]
struct Filter {
    q: String,
}

#[qh::endpoint(method = "GET", path = "/search")]
fn search(#[query(flatten, default = Filter { q: String::new() })] filter: Filter) -> String {
    filter.q
}

fn main() {}
